; TCP client on the TCPNet device (docs/tcpnet-device.md, "Firmware examples").
;
; Reads a port number from the serial line (decimal digits, ended by a newline; other bytes are
; ignored), opens a connection to 127.0.0.1 on that port, sends GREETING and half-closes
; (SHUTDOWN: the peer sees end of file after the greeting). Then it prints every byte it
; receives on the serial line until the peer closes, and ends with one status line:
;   "CLOSED"         the peer closed its side normally (disconn, no error)
;   "ERROR <reason>" the connection failed: refused, unreachable, timeout, lookup, portbusy,
;                    noresources, reset, closed (the device's error reasons)
;   "ERROR open"     OPEN was rejected (e.g. port 0 or above 65535)
; and then idles on the timer. Bytes that arrived before a failure are printed before the line.
;
; Memory: code from 0, receive buffer at BUF (4 KiB), stack below 80000H.

        .equ TIMER,  -64
        .equ LED,    -60
        .equ RSDATA, -56
        .equ RSCTRL, -52       ; bit 0: rx ready, bit 1: tx ready

        .equ NID,     -256     ; TCPNet registers
        .equ NSRQ,    -248
        .equ NCMD,    -240
        .equ NADR,    -236
        .equ NLEN,    -232
        .equ NPORT,   -228
        .equ NLIMIT,  -224
        .equ NSTATUS, -220

        .equ OPEN,     1       ; commands
        .equ SEND,     3
        .equ RECV,     4
        .equ SHUTDOWN, 5
        .equ CLOSE,    6

        .equ DISCONN, 10H      ; STATUS bits
        .equ ERROR,   40H

        .equ BUF,    10000H
        .equ GREETLEN, 21      ; bytes of greeting
        .equ BUFLEN, 4096

        .org 0
        B main
        .org 20H
main:   MOV R13, 0             ; base for I/O addresses
        MOV' SP, 8H            ; SP := 80000H
        LDW R0, R13, NID       ; is the device there? 'TCPN' = 5443504EH
        MOV' R1, 5443H
        IOR R1, R1, 504EH
        SUB R0, R0, R1
        BEQ getport
        MOV R1, msgnodev
        BL puts
        B halt

; R4: the port, from decimal digits up to a newline.
getport: MOV R4, 0
rd:     LDW R0, R13, RSCTRL    ; an empty poll: the emulator sleeps until input comes
        AND R0, R0, 1
        BEQ rd
        LDW R0, R13, RSDATA
        SUB R1, R0, 10
        BEQ open
        SUB R1, R0, 30H        ; '0'
        BLT rd
        SUB R2, R0, 3AH        ; past '9'
        BGE rd
        MOV R2, 10
        MUL R4, R4, R2
        ADD R4, R4, R1
        B rd

open:   MOV R0, host
        STW R0, R13, NADR
        MOV R0, 16             ; the name ends at its 0 byte
        STW R0, R13, NLEN
        STW R4, R13, NPORT
        MOV R0, 0
        STW R0, R13, NLIMIT    ; default receive limit
        MOV R0, OPEN
        STW R0, R13, NCMD
        LDW R0, R13, NCMD      ; slot number (selected from now on), or < 0
        BPL opened
        MOV R1, msgopen
        BL puts
        B halt

; The greeting may be handed over before the connection exists; the device sends it then.
opened: MOV R0, greeting
        STW R0, R13, NADR
        MOV R0, GREETLEN
        STW R0, R13, NLEN
        MOV R0, SEND
        STW R0, R13, NCMD      ; an empty slot takes up to 64 KiB: all of it
        MOV R0, SHUTDOWN
        STW R0, R13, NCMD

wait:   LDW R0, R13, NSRQ      ; our slot is the only one
        BNE work
        LDW R0, R13, TIMER     ; idle poll
        B wait
work:   BL drain
        LDW R6, R13, NSTATUS   ; clears the events
        AND R0, R6, ERROR
        BNE failed
        AND R0, R6, DISCONN
        BEQ wait
        MOV R1, msgclosed
        BL puts
        B done

failed: BL drain               ; bytes that came with the failure
        MOV R1, msgerror
        BL puts
        ASR R0, R6, 16         ; reason, bits 16-23
        AND R0, R0, 0FFH
        SUB R1, R0, 8
        BLE named
        MOV R0, 9              ; not a reason we know
named:  LSL R0, R0, 2
        MOV R1, reasons
        ADD R1, R1, R0
        LDW R1, R1, 0
        BL puts
        MOV R0, 10
        BL putc
done:   MOV R0, CLOSE
        STW R0, R13, NCMD
halt:   LDW R0, R13, TIMER
        B halt

; drain: RECV into BUF and print, until nothing is left. Clobbers R0-R5.
drain:  SUB SP, SP, 4
        STW LNK, SP, 0
dr1:    MOV' R0, BUF / 10000H
        STW R0, R13, NADR
        MOV R0, BUFLEN
        STW R0, R13, NLEN
        MOV R0, RECV
        STW R0, R13, NCMD
        LDW R5, R13, NCMD      ; bytes delivered
        BLE dr3
        MOV' R3, BUF / 10000H
dr2:    LDB R0, R3, 0
        BL putc
        ADD R3, R3, 1
        SUB R5, R5, 1
        BNE dr2
        B dr1
dr3:    LDW LNK, SP, 0
        ADD SP, SP, 4
        B LNK

; ---- Serial output

; putc: sends byte R0. Clobbers R2.
putc:   LDW R2, R13, RSCTRL
        AND R2, R2, 2
        BEQ putc
        STW R0, R13, RSDATA
        B LNK

; puts: sends the 0-terminated string at R1. Clobbers R0-R2.
puts:   SUB SP, SP, 4
        STW LNK, SP, 0
ps1:    LDB R0, R1, 0
        BEQ ps2
        BL putc
        ADD R1, R1, 1
        B ps1
ps2:    LDW LNK, SP, 0
        ADD SP, SP, 4
        B LNK

greeting:  .ascii "HELLO FROM RISC5 TCP\n"   ; GREETLEN bytes
host:      .asciz "127.0.0.1"
           .word 0, 0              ; the name's 16-byte window stays inside the program
msgnodev:  .asciz "ERROR no TCPNet device\n"
msgopen:   .asciz "ERROR open\n"
msgclosed: .asciz "CLOSED\n"
msgerror:  .asciz "ERROR "
rs0:       .asciz "none"
rs1:       .asciz "refused"
rs2:       .asciz "unreachable"
rs3:       .asciz "timeout"
rs4:       .asciz "lookup"
rs5:       .asciz "portbusy"
rs6:       .asciz "noresources"
rs7:       .asciz "reset"
rs8:       .asciz "closed"
rs9:       .asciz "unknown"
reasons:   .word rs0, rs1, rs2, rs3, rs4, rs5, rs6, rs7, rs8, rs9
