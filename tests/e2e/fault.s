; Jumps outside memory: the emulator must stop with a clear message (exit status 3).
        .org 0
        B main
        .org 20H
main:   MOV' R1, 1000H      ; R1 := 10000000H, far beyond RAM and below the ROM
        B R1
