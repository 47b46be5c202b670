; a few instructions of each format, labels, data and a branch
start:  MOV  R0, 42
        MOV' R1, 1234H
        ADD  R2, R0, R1
        LDW  R3, R2, 8
        STW  R3, SP, -4
        BNE  start
        B    start
data:   .word 1, 2, 0DEADBEEFH
