; Test firmware: prints "Hello from RISC5\n" on the serial line, sets the LEDs to 55H and then
; idles reading the timer. Loaded to address 0 over the serial line by the boot ROM (switch 0
; set) and entered at 0. Words 1..7 are left free: the ROM writes mem[12] and mem[24] after
; loading, and word 1 is the interrupt vector.

        .equ TIMER,  -64
        .equ LED,    -60
        .equ RSDATA, -56
        .equ RSCTRL, -52     ; bit 1: tx ready

        .org 0
        B main
        .org 20H
main:   MOV R13, 0           ; base for I/O addresses
        MOV' SP, 8H          ; SP := 80000H
        MOV R1, msg
next:   LDB R0, R1, 0        ; loads set Z: 0 ends the string
        BEQ done
txwait: LDW R2, R13, RSCTRL
        AND R2, R2, 2
        BEQ txwait
        STW R0, R13, RSDATA
        ADD R1, R1, 1
        B next
done:   MOV R0, 55H
        STW R0, R13, LED
idle:   LDW R0, R13, TIMER
        B idle

msg:    .asciz "Hello from RISC5\n"
