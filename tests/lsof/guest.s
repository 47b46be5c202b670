; Guest for the tcpnet-lsof tests: opens a known set of TCPNet slots and serves them.
; Serial boot (switch 0), entered at 0. After the boot stream the serial line carries two
; 16-bit little-endian ports: P (a peer that listens) and Q (a port where nobody listens).
;
;   slot 0  LISTEN, port chosen by the OS (L)   gets the first client; echoes what it receives;
;                                               NAMES "" / "Echo.Out" (an anonymous in-file)
;   slot 1  LISTEN on L again                   stays listening while slot 0 is taken; no NAMES
;   slot 2  OPEN 127.0.0.1:P, SEND "oberon\n"   7 bytes queued before the connection exists;
;                                               what P sends is never fetched (stays queued);
;                                               NAMES "Peer.Text" / "Greet.Text"
;   slot 3  OPEN 127.0.0.1:Q                    fails: refused
;
; Then it loops: while SRQ has bit 0 or 1 set, RECV up to 256 bytes on slots 0 and 1, SEND them
; back, read STATUS (clears the events); otherwise poll the serial status (an idle poll). Slots 2 and 3
; are never serviced, so their SRQ bits stay set. Words 1..7 are left free (boot ROM).

        .equ RSDATA,  -56
        .equ RSCTRL,  -52     ; bit 0: rx ready
        .equ SRQ,     -248
        .equ SLOT,    -244
        .equ CMD,     -240
        .equ ADR,     -236
        .equ LEN,     -232
        .equ PORT,    -228
        .equ LIMIT,   -224
        .equ STATUS,  -220
        .equ LPORT,   -208
        .equ OPEN,    1
        .equ LISTEN,  2
        .equ SEND,    3
        .equ RECV,    4
        .equ NAMES,   10

        .org 0
        B main
        .org 20H
main:   MOV R13, 0            ; base for I/O addresses
        MOV' SP, 8H
        BL getb               ; R8 := P
        MOV R8, R0
        BL getb
        LSL R0, R0, 8
        IOR R8, R8, R0
        BL getb               ; R9 := Q
        MOV R9, R0
        BL getb
        LSL R0, R0, 8
        IOR R9, R9, R0

        MOV R0, 0             ; slot 0: LISTEN on port 0 (the OS chooses), default limit
        STW R0, R13, PORT
        STW R0, R13, LIMIT
        MOV R0, LISTEN
        STW R0, R13, CMD      ; selects slot 0
        MOV R0, names0        ; its file names: in-file anonymous, out-file Echo.Out
        STW R0, R13, ADR
        MOV R0, 10
        STW R0, R13, LEN
        MOV R0, NAMES
        STW R0, R13, CMD
bound:  LDW R10, R13, LPORT   ; 0 until the listening socket exists
        BEQ bound
        STW R10, R13, PORT    ; slot 1: a second serving slot on the same port
        MOV R0, LISTEN
        STW R0, R13, CMD

        MOV R0, host          ; slot 2: OPEN 127.0.0.1:P
        STW R0, R13, ADR
        MOV R0, 9
        STW R0, R13, LEN
        STW R8, R13, PORT
        MOV R0, OPEN
        STW R0, R13, CMD      ; selects slot 2
        MOV R0, names2
        STW R0, R13, ADR
        MOV R0, 21
        STW R0, R13, LEN
        MOV R0, NAMES
        STW R0, R13, CMD
        MOV R0, greet         ; SEND 7 bytes; kept until the connection is established
        STW R0, R13, ADR
        MOV R0, 7
        STW R0, R13, LEN
        MOV R0, SEND
        STW R0, R13, CMD

        MOV R0, host          ; slot 3: OPEN 127.0.0.1:Q
        STW R0, R13, ADR
        MOV R0, 9
        STW R0, R13, LEN
        STW R9, R13, PORT
        MOV R0, OPEN
        STW R0, R13, CMD

serve:  LDW R1, R13, SRQ
        AND R1, R1, 3
        BNE work
        LDW R0, R13, RSCTRL   ; nothing to do: an empty poll lets the emulator idle (a serial
                              ; poll, not the timer: it also lets the emulator see the input's
                              ; end, else it keeps waking up for the unread file)
        B serve
work:   MOV R2, 0
        BL echo
        MOV R2, 1
        BL echo
        B serve

echo:   STW R2, R13, SLOT     ; leaf: R0, R3 scratch
        MOV R0, buf
        STW R0, R13, ADR
        MOV R0, 256
        STW R0, R13, LEN
        MOV R0, RECV
        STW R0, R13, CMD
        LDW R3, R13, CMD      ; bytes delivered (0 if none, < 0 if the slot is free)
        BEQ status
        BMI status
        STW R3, R13, LEN      ; ADR still buf: SEND them back
        MOV R0, SEND
        STW R0, R13, CMD
status: LDW R0, R13, STATUS
        B LNK

getb:   LDW R0, R13, RSCTRL   ; leaf: R0 := next serial byte
        AND R0, R0, 1
        BEQ getb
        LDW R0, R13, RSDATA
        AND R0, R0, 0FFH
        B LNK

host:   .asciz "127.0.0.1"
greet:  .ascii "oberon\n"
names0: .ascii "\0Echo.Out\0"
names2: .ascii "Peer.Text\0Greet.Text\0"
        .org 400H
buf:    .word 0
