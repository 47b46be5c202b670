; CPU benchmark: N iterations of a loop mixing ALU operations, MUL, loads/stores to an 8-word
; array and branches, then the checksum as 8 hex digits and a newline on the serial line, then
; an idle loop on the timer. Loaded to address 0 over the serial line by the boot ROM.
;
; Instruction count: every iteration executes exactly 16 instructions whichever way the data
; dependent branch goes, so the loop executes 16 * N = 1,000,000,000 instructions
; (N = 62,500,000). Setup before the loop: 11 instructions (including the branch at 0).
; MIPS = 1000 / (seconds between entering the program and the checksum line).
; Expected output (from a C model of these instructions): "4EFBDD15\n"; 31,243,489 of the
; iterations take the non-negative path.

        .equ TIMER,  -64
        .equ LED,    -60
        .equ RSDATA, -56
        .equ RSCTRL, -52     ; bit 1: tx ready
        .equ N_HI,   3B9H    ; N = 62,500,000 = 3B9ACA0H
        .equ N_LO,   0ACA0H

        .org 0
        B main
        .org 20H
main:   MOV R13, 0
        MOV' SP, 8H
        MOV' R10, N_HI       ; R10: iterations left
        IOR R10, R10, N_LO
        MOV' R6, 1           ; R6 := 69069 (10DCDH), LCG multiplier
        IOR R6, R6, 0DCDH
        MOV R1, 1            ; R1: LCG state x
        MOV R7, 0            ; R7: checksum
        MOV R9, 0
        MOV R11, array
loop:   MUL R5, R1, R6       ;  1
        ADD R1, R5, 1        ;  2  x := 69069 * x + 1
        ROR R2, R1, 27       ;  3
        AND R2, R2, 28       ;  4  byte offset from bits 29..31 of x
        ADD R4, R11, R2      ;  5
        LDW R3, R4, 0        ;  6
        XOR R3, R3, R1       ;  7
        ROR R3, R3, 7        ;  8
        STW R3, R4, 0        ;  9
        ADD R7, R7, R3       ; 10
        SUB R8, R3, 0        ; 11
        BGE pos              ; 12
        XOR R7, R7, R5       ; 13  (negative)
        B join               ; 14
pos:    SUB R7, R7, R5       ; 13  (non-negative)
        ADD R9, R9, 1        ; 14  count of non-negative values
join:   SUB R10, R10, 1      ; 15
        BNE loop             ; 16

        MOV R2, 8            ; print R7 in hex, most significant digit first
hex:    ROR R7, R7, 28
        AND R0, R7, 15
        SUB R3, R0, 10
        BLT digit
        ADD R0, R0, 7        ; 'A' - '0' - 10
digit:  ADD R0, R0, 30H
        BL putc
        SUB R2, R2, 1
        BNE hex
        MOV R0, 10
        BL putc
        MOV R0, 0AAH
        STW R0, R13, LED
idle:   LDW R0, R13, TIMER
        B idle

; Sends byte R0 when the transmitter is ready. Clobbers R1.
putc:   LDW R1, R13, RSCTRL
        AND R1, R1, 2
        BEQ putc
        STW R0, R13, RSDATA
        B LNK

array:  .word 0, 0, 0, 0, 0, 0, 0, 0
