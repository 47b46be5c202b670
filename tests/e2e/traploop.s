; Takes an Oberon trap (number 1) over and over: the trap vector at 20H returns at once.
        .org 0
        B main
        .org 20H
        B R15               ; the "trap handler": return to the caller
main:   MOV R12, 20H        ; MT, as Oberon has it
loop:   .word 0D700001CH    ; BLR R12 with trap number 1 in IR[7:4] (ORG's Trap encoding)
        B loop
