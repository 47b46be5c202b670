; The 2018 core's interrupt with the real millisecond timer, checked against RISC5.v (NW 31.8.2018):
; an interrupt saves PC and the flags N, Z, C, OV in SPC and RTI restores them; inside the
; handler (intMd) STI does not let another interrupt in; CLI in the handler stays in force after
; RTI (RTI does not touch intEnb); STI lets the ticks in again. Prints "R0" on RS232 if all held,
; else "R" and the number of the first check that failed. Loaded over the serial line.
        .equ TIMER,  -64
        .equ RSDATA, -56
        .equ RSCTRL, -52

        .org 0
        B main
        B handler            ; word 1, address 4: the interrupt vector
        .org 20H

; R10 ticks taken, R11 1 while inside the handler, R12 the first failed check (0: none).
; The handler uses R7..R9 and R11 only; main never touches them.
handler:
        ADD R11, R11, 0      ; inside already? (the flags are the interrupted code's no more)
        BNE nested
        MOV R11, 1
        ADD R10, R10, 1
        SUB R9, R10, 1
        BNE later
        STI                  ; first tick: enable inside the handler, wait 3 ms: no second entry
        LDW R8, R13, TIMER
        ADD R8, R8, 3
hwait:  LDW R7, R13, TIMER
        SUB R7, R7, R8
        BMI hwait
        B hdone
later:  SUB R9, R10, 200
        BNE hdone
        CLI                  ; tick 200: disable; RTI must leave it so
hdone:  MOV R11, 0
        RTI
nested: MOV R12, 2
        MOV R11, 0
        RTI

main:   MOV R13, 0
        MOV' SP, 8H
        MOV R10, 0
        MOV R11, 0
        MOV R12, 0
        MOV R0, 0
        SUB R1, R0, 1        ; 0 - 1: N = 1, Z = 0, C = 1 (borrow), OV = 0
        BPL pattern
        BEQ pattern
        BCC pattern
        BVS pattern
        STI
; Check 1: the flags survive 200 interrupts that land in this loop (the handler changes them all).
loop:   MOV R0, 0
        SUB R1, R0, 1
        BPL lost
        BEQ lost
        BCC lost
        BVS lost
        BPL lost
        BEQ lost
        BCC lost
        BVS lost
        BPL lost
        BEQ lost
        BCC lost
        BVS lost
        BPL lost
        BEQ lost
        BCC lost
        BVS lost
        BPL lost
        BEQ lost
        BCC lost
        BVS lost
        BPL lost
        BEQ lost
        BCC lost
        BVS lost
        BPL lost
        BEQ lost
        BCC lost
        BVS lost
        BPL lost
        BEQ lost
        BCC lost
        BVS lost
        BPL lost
        BEQ lost
        BCC lost
        BVS lost
        BPL lost
        BEQ lost
        BCC lost
        BVS lost
        BPL lost
        BEQ lost
        BCC lost
        BVS lost
        BPL lost
        BEQ lost
        BCC lost
        BVS lost
        BPL lost
        BEQ lost
        BCC lost
        BVS lost
        BPL lost
        BEQ lost
        BCC lost
        BVS lost
        BPL lost
        BEQ lost
        BCC lost
        BVS lost
        BPL lost
        BEQ lost
        BCC lost
        BVS lost
        BPL lost
        BEQ lost
        BCC lost
        BVS lost
        BPL lost
        BEQ lost
        BCC lost
        BVS lost
        BPL lost
        BEQ lost
        BCC lost
        BVS lost
        BPL lost
        BEQ lost
        BCC lost
        BVS lost
        BPL lost
        BEQ lost
        BCC lost
        BVS lost
        BPL lost
        BEQ lost
        BCC lost
        BVS lost
        BPL lost
        BEQ lost
        BCC lost
        BVS lost
        BPL lost
        BEQ lost
        BCC lost
        BVS lost
        BPL lost
        BEQ lost
        BCC lost
        BVS lost
        SUB R0, R10, 200
        BLT loop
; Check 3: after the handler's CLI and its RTI no tick comes in 5 ms.
        LDW R0, R13, TIMER
        ADD R0, R0, 5
w5:     LDW R1, R13, TIMER
        SUB R1, R1, R0
        BMI w5
        SUB R0, R10, 200
        BNE cliLost
; Check 4: STI lets them in again: 10 more within 100 ms.
        STI
        LDW R0, R13, TIMER
        ADD R0, R0, 100
w10:    SUB R1, R10, 210
        BGE report
        LDW R1, R13, TIMER
        SUB R1, R1, R0
        BMI w10
        MOV R12, 4
        B report
cliLost: MOV R12, 3
        B report
lost:   MOV R12, 1
        B report
pattern: MOV R12, 5
report: CLI
        MOV R0, 52H          ; "R"
        BL putc
        ADD R0, R12, 30H     ; the digit
        BL putc
        MOV R0, 0AH
        BL putc
idle:   LDW R0, R13, TIMER
        B idle
putc:   LDW R1, R13, RSCTRL
        AND R1, R1, 2
        BEQ putc
        STW R0, R13, RSDATA
        B LNK
