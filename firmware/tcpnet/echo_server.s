; TCP echo server on the TCPNet device (docs/tcpnet-device.md, "Firmware examples").
;
; Listens on PORT with SLOTS slots, so SLOTS clients are served at once (further clients wait
; in the device's accept queue). Every byte received is sent back. When a client half-closes
; (disconn), the bytes still held are sent and the slot is CLOSEd (the device then writes what
; it has queued and sends FIN). A slot whose connection ended is replaced by a new LISTEN on the
; same port before it is freed, so the listening socket never closes.
;
; On start the program waits for the listening socket (bound), then prints the port on the
; serial line in decimal and a newline (PORT = 0: the port the OS chose). If the device is
; missing or the port cannot be opened it prints "ERROR ..." instead ("ERROR cannot listen,
; reason 5" for a busy port). Then it serves forever.
;
; LIMIT is 7FFFFFFFH (an echo stream is not a file): after 2 GiB on one connection the device
; raises limrx and reads no more, and the server treats that like the peer's FIN.
;
; Loop: read SRQ; for every slot with a request: RECV into the slot's 64 KiB RAM buffer (only
; when the buffer is empty), SEND from it (the device takes at most TXFREE bytes; the rest waits
; for newtx), read STATUS (clears the events). A pass that moved nothing reads the timer, so the
; emulator idle-sleeps until the network thread's next event wakes it.
;
; Memory: code from 0, slot table at TABLE (16 bytes per slot: pending, offset, fin), buffer of
; slot i at (i + 1) * 10000H for i <= MAXSLOT, stack below 80000H (used by putdec only).

        .equ PORT,    0        ; TCP port to listen on; 0: the OS chooses
        .equ SLOTS,   4        ; concurrent connections, 1..5 (buffers must stay below 70000H)
        .equ MAXSLOT, SLOTS    ; listen-before-close needs one slot more than SLOTS

        .equ TIMER,  -64
        .equ LED,    -60
        .equ RSDATA, -56
        .equ RSCTRL, -52       ; bit 1: tx ready

        .equ NID,     -256     ; TCPNet registers
        .equ NSRQ,    -248
        .equ NSLOT,   -244
        .equ NCMD,    -240
        .equ NADR,    -236
        .equ NLEN,    -232
        .equ NPORT,   -228
        .equ NLIMIT,  -224
        .equ NSTATUS, -220
        .equ NLPORT,  -208

        .equ LISTEN, 2         ; commands
        .equ SEND,   3
        .equ RECV,   4
        .equ CLOSE,  6
        .equ ABORT,  7

        .equ DISCONN, 10H      ; STATUS bits
        .equ LIMRX,   20H
        .equ ERROR,   40H
        .equ BOUND,   200H
        .equ EVENTS,  27FH     ; hostc newrx newtx spacetx disconn limrx error bound
        .equ FAILED,  4        ; state (STATUS bits 24-27)

        .equ TABLE, 8000H
        .equ PENDING, 0        ; table entry: bytes in the buffer not yet sent
        .equ OFFSET,  4        ;   where they start in the buffer
        .equ FIN,     8        ;   the peer has closed its side (disconn seen)

        .org 0
        B main
        .org 20H
main:   MOV R13, 0             ; base for I/O addresses
        MOV' SP, 8H            ; SP := 80000H
        MOV R11, TABLE
        MOV R0, 0              ; clear the slot table (32 entries)
        MOV R1, 128
clear:  SUB R1, R1, 1
        LSL R2, R1, 2
        ADD R2, R2, R11
        STW R0, R2, 0
        SUB R1, R1, 0
        BNE clear

        LDW R0, R13, NID       ; is the device there? 'TCPN' = 5443504EH
        MOV' R1, 5443H
        IOR R1, R1, 504EH
        SUB R0, R0, R1
        BEQ hasdev
        MOV R1, msgnodev
        BL puts
        B halt

hasdev: MOV' R0, 7FFFH         ; LIMIT := 7FFFFFFFH: an echo stream has no file-size limit
        IOR R0, R0, 0FFFFH
        STW R0, R13, NLIMIT
        MOV R0, PORT
        STW R0, R13, NPORT
        MOV R0, LISTEN
        STW R0, R13, NCMD
        LDW R8, R13, NCMD      ; first slot (selected), or a result code < 0
        BMI badlisten
wbound: LDW R0, R13, NSTATUS   ; wait until the listening socket exists
        AND R1, R0, ERROR
        BNE nolisten
        AND R1, R0, DISCONN    ; (fixed PORT: a quick client may already have come and gone)
        LSL R2, R8, 4
        ADD R2, R2, R11
        STW R1, R2, FIN
        AND R1, R0, BOUND
        BNE bound
        LDW R1, R13, TIMER     ; idle poll: sleep until the network thread reports
        B wbound
bound:  LDW R12, R13, NLPORT   ; R12: the port, for every further LISTEN
        STW R12, R13, NPORT
        MOV R3, SLOTS
more:   SUB R3, R3, 1
        BEQ ready
        MOV R0, LISTEN
        STW R0, R13, NCMD
        B more
ready:  MOV R0, R12
        BL putdec
        MOV R0, 10
        BL putc

; ---- Serving loop. R9: requests left in this pass, R8: slot, R4: its bit, R10: progress.
serve:  MOV R10, 0
        LDW R9, R13, NSRQ
        BEQ quiet
        MOV R8, 0
        MOV R4, 1
scan:   AND R0, R9, R4
        BEQ next
        B service
next:   ANN R9, R9, R4
        BEQ passend
        ADD R8, R8, 1
        LSL R4, R4, 1
        B scan
passend: SUB R10, R10, 0
        BNE serve
quiet:  LDW R0, R13, TIMER     ; nothing moved: an idle poll
        B serve

; Serves slot R8 and continues at next. R7: table entry, R6: buffer.
service: STW R8, R13, NSLOT
        SUB R0, R8, MAXSLOT
        BGT stray
        LSL R7, R8, 4
        ADD R7, R7, R11
        ADD R6, R8, 1
        LSL R6, R6, 16         ; buffer (slot + 1) * 10000H, 64 KiB = the device's buffer size
        LDW R1, R7, PENDING
        BNE dosend
        LDW R0, R7, FIN        ; after the peer's FIN nothing more arrives
        BNE status
        STW R6, R13, NADR
        MOV' R0, 1             ; LEN := 10000H
        STW R0, R13, NLEN
        MOV R0, RECV
        STW R0, R13, NCMD
        LDW R1, R13, NCMD      ; bytes delivered
        BLE status
        STW R1, R7, PENDING
        MOV R0, 0
        STW R0, R7, OFFSET
        MOV R10, 1
dosend: LDW R2, R7, OFFSET     ; R1 = pending
        ADD R0, R6, R2
        STW R0, R13, NADR
        STW R1, R13, NLEN
        MOV R0, SEND
        STW R0, R13, NCMD
        LDW R0, R13, NCMD      ; bytes accepted (at most TXFREE)
        BLE unsent
        ADD R2, R2, R0
        STW R2, R7, OFFSET
        SUB R1, R1, R0
        STW R1, R7, PENDING
        MOV R10, 1
        B status
unsent: BEQ status             ; 0: the transmit queue is full; newtx will bring us back
        MOV R0, 0              ; < 0: the slot cannot send any more; drop the rest
        STW R0, R7, PENDING
status: LDW R0, R13, NSTATUS   ; clears the events, and with them the request
        AND R1, R0, EVENTS
        BEQ noev
        MOV R10, 1
noev:   AND R1, R0, DISCONN + LIMRX  ; no more bytes will come (limrx: after 2 GiB)
        BEQ nofin
        STW R1, R7, FIN
nofin:  ASR R1, R0, 24
        AND R1, R1, 15
        SUB R1, R1, FAILED
        BEQ finish             ; failed (reset, write error): give the slot up
        LDW R1, R7, FIN
        BEQ next
        LDW R1, R7, PENDING
        BNE next               ; still echoing the last bytes

; The connection of slot R8 is over: LISTEN anew (keeps the port open), then CLOSE R8.
finish: MOV R10, 1
        MOV R0, LISTEN         ; PORT still holds R12
        STW R0, R13, NCMD
        LDW R1, R13, NCMD      ; the new slot (selected)
        BMI closeit
        LSL R2, R1, 4          ; its table entry starts empty
        ADD R2, R2, R11
        MOV R0, 0
        STW R0, R2, PENDING
        STW R0, R2, FIN
closeit: STW R8, R13, NSLOT
        MOV R0, CLOSE
        STW R0, R13, NCMD
        MOV R0, 0
        STW R0, R7, PENDING
        STW R0, R7, FIN
        SUB R1, R1, 0
        BPL next
        MOV R0, LISTEN         ; LISTEN failed before CLOSE freed a slot: try once more
        STW R0, R13, NCMD
        B next

stray:  MOV R0, ABORT          ; a slot without a buffer (never listened by us)
        STW R0, R13, NCMD
        B next

badlisten: MOV R1, msgresult   ; "ERROR cannot listen, result -N"
        BL puts
        MOV R0, 0
        SUB R0, R0, R8
        B errnum
nolisten: MOV R5, R0           ; "ERROR cannot listen, reason N" (5 = portbusy)
        MOV R1, msgreason
        BL puts
        ASR R0, R5, 16
        AND R0, R0, 0FFH
errnum: BL putdec
        MOV R0, 10
        BL putc
halt:   LDW R0, R13, TIMER
        B halt

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

; putdec: sends R0 (>= 0) in decimal. Clobbers R0-R3.
putdec: SUB SP, SP, 4
        STW LNK, SP, 0
        MOV R3, 0
pd1:    DIV R0, R0, 10         ; remainder in H
        MOV R1, H
        ADD R1, R1, 30H
        SUB SP, SP, 4
        STW R1, SP, 0
        ADD R3, R3, 1
        SUB R0, R0, 0
        BNE pd1
pd2:    LDW R0, SP, 0
        ADD SP, SP, 4
        BL putc
        SUB R3, R3, 1
        BNE pd2
        LDW LNK, SP, 0
        ADD SP, SP, 4
        B LNK

msgnodev:    .asciz "ERROR no TCPNet device\n"
msgresult:   .asciz "ERROR cannot listen, result -"
msgreason:   .asciz "ERROR cannot listen, reason "
