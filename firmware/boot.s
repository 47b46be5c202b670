; Boot ROM of the emulated Project Oberon 2013 board: our own RISC5 assembly doing what
; Wirth's BootLoad.Mod does (see docs/assembler.md for the syntax, machine.md for the I/O map).
;
; Placed at 0FFFFF800H (512 words at most) and entered at its first word. The ROM is
; execute-only, so constants are built with MOV'/IOR pairs, never loaded from a pool.
;
;   SP := stackOrg, MT := 20H
;   cold start (R15 = 0): LED 80H, initialise the SD card (CMD0, CMD8, CMD55+ACMD41 until
;     ready, CMD16); switch 0 set: LED 81H, load from the serial line, else LED 82H, load the
;     boot file from the card (blocks FSoffset+4.., mem[16] bytes, to address 0)
;   warm start (R15 # 0): switch 0 set: LED 81H, load from the serial line; else no load
;   mem[12] := MemLim, mem[24] := stackOrg, LED 84H, jump to 0 with R0 = 0
;
; Deviations from BootLoad, for malformed input only: the ACMD41 loop gives up after 256
; tries (no card: LED 8FH and wait forever instead of spinning in the SPI loop), and a serial
; block ends when its length is used up even if it was not a multiple of 4.
;
; The emulator patches the 16-bit halves of the two MOV'/IOR pairs at patch_stackorg and
; patch_memlim (assembled defaults: stackOrg 80000H, MemLim 0E7EF0H) when RAM is larger.
;
; Registers: R13 = 0 (base for I/O addresses and low memory), R12 = MT, R14 = SP, R15 = LNK.
; Leaf routines use R0-R2; routines that call others keep LNK on the stack.

        .equ TIMER,   -64
        .equ SWI,     -60      ; read: switches
        .equ LED,     -60      ; write: LEDs
        .equ RSDATA,  -56
        .equ RSCTRL,  -52      ; bit 0: rx ready
        .equ SPIDATA, -48
        .equ SPICTRL, -44      ; read bit 0: ready; write: 1 = card select, 4 = fast (32-bit)
        .equ CARD0,   1
        .equ SPIFAST, 4
        .equ MTORG,   20H
        .equ FSOFFSET_HI, 8    ; FSoffset = 80000H blocks; boot file at FSoffset+4
        .equ BOOTBLOCK_LO, 4

        .org 0FFFFF800H
reset:  MOV R13, 0
patch_stackorg:
        MOV' SP, 8H              ; stackOrg = 80000H (patched by the emulator)
        IOR SP, SP, 0H
        MOV MT, MTORG
        SUB R0, R15, 0           ; R15 = 0: cold start
        BNE warm
        MOV R0, 80H
        STW R0, R13, LED
        BL initSpi               ; R0 = 0: card ready
        MOV R7, R0
        LDW R0, R13, SWI
        AND R0, R0, 1
        BNE line
        SUB R7, R7, 0
        BNE nocard
        MOV R0, 82H
        STW R0, R13, LED
        BL loadDisk
        B done
warm:   LDW R0, R13, SWI
        AND R0, R0, 1
        BEQ done
line:   MOV R0, 81H
        STW R0, R13, LED
        BL loadLine
done:
patch_memlim:
        MOV' R1, 0EH             ; MemLim = 0E7EF0H (patched by the emulator)
        IOR R1, R1, 7EF0H
        STW R1, R13, 12
        STW SP, R13, 24          ; SP is back at stackOrg: every call below is balanced
        MOV R0, 84H
        STW R0, R13, LED
        MOV R0, 0
        B R0

nocard: MOV R0, 8FH
        STW R0, R13, LED
halt:   LDW R0, R13, TIMER       ; idle on the timer so the emulator can sleep
        B halt

; ---- serial line ----

; R0 := next word from the line, least significant byte first. Clobbers R1, R2.
recInt: MOV R0, 0
        MOV R2, 4
ri_wait:
        LDW R1, R13, RSCTRL
        AND R1, R1, 1
        BEQ ri_wait
        LDW R1, R13, RSDATA
        ADD R0, R0, R1
        ROR R0, R0, 8
        SUB R2, R2, 1
        BNE ri_wait
        B LNK

; Blocks {length, address, words} until a zero length. Clobbers R0-R4.
loadLine:
        SUB SP, SP, 4
        STW LNK, SP, 0
        BL recInt
        MOV R3, R0               ; length in bytes
ll_block:
        SUB R3, R3, 0
        BLE ll_done
        BL recInt
        MOV R4, R0               ; address
ll_word:
        BL recInt
        STW R0, R4, 0
        ADD R4, R4, 4
        SUB R3, R3, 4
        BGT ll_word
        BL recInt
        MOV R3, R0
        B ll_block
ll_done:
        LDW LNK, SP, 0
        ADD SP, SP, 4
        B LNK

; ---- SD card over SPI ----

; Sends R0 bytes 0FFH slowly with no card selected. Clobbers R0-R2.
spiIdle:
        MOV R1, 0
        STW R1, R13, SPICTRL
        MOV R1, 255
si_test:
        SUB R0, R0, 0
        BLE si_done
        SUB R0, R0, 1
        STW R1, R13, SPIDATA
si_wait:
        LDW R2, R13, SPICTRL
        AND R2, R2, 1
        BEQ si_wait
        B si_test
si_done:
        B LNK

; Sends byte R0 slowly with the card selected; the reply is then in SPIDATA. Clobbers R1.
spi:    MOV R1, CARD0
        STW R1, R13, SPICTRL
        AND R0, R0, 255
        STW R0, R13, SPIDATA
sp_wait:
        LDW R1, R13, SPICTRL
        AND R1, R1, 1
        BEQ sp_wait
        B LNK

; Command R0 with argument R1; the R1 response byte is then in SPIDATA. Clobbers R0-R6.
spiCmd: SUB SP, SP, 4
        STW LNK, SP, 0
        MOV R3, R0
        MOV R4, R1
sc_flush1:                       ; flush while unselected until the card answers 0FFH
        MOV R0, 1
        BL spiIdle
        LDW R0, R13, SPIDATA
        SUB R0, R0, 255
        BNE sc_flush1
sc_flush2:                       ; flush while selected
        MOV R0, 255
        BL spi
        LDW R0, R13, SPIDATA
        SUB R0, R0, 255
        BNE sc_flush2
        MOV R6, 255              ; CRC: only CMD0 and CMD8 need a valid one
        SUB R0, R3, 8
        BNE sc_not8
        MOV R6, 135
sc_not8:
        SUB R0, R3, 0
        BNE sc_send
        MOV R6, 149
sc_send:
        AND R0, R3, 63
        ADD R0, R0, 64
        BL spi
        MOV R5, 24               ; argument, most significant byte first
sc_arg: ROR R0, R4, R5
        BL spi
        SUB R5, R5, 8
        BGE sc_arg
        MOV R0, R6
        BL spi
        MOV R5, 32               ; wait up to 32 bytes for a response (bit 7 clear)
sc_resp:
        MOV R0, 255
        BL spi
        SUB R5, R5, 1
        BEQ sc_done
        LDW R0, R13, SPIDATA
        SUB R0, R0, 80H
        BGE sc_resp
sc_done:
        LDW LNK, SP, 0
        ADD SP, SP, 4
        B LNK

; Card initialisation as in BootLoad.InitSPI. R0 := 0 if the card became ready. Clobbers R0-R8.
initSpi:
        SUB SP, SP, 4
        STW LNK, SP, 0
        MOV R0, 9                ; at least 80 clocks idle
        BL spiIdle
        MOV R0, 0                ; CMD0: go idle, SPI mode
        MOV R1, 0
        BL spiCmd
        MOV R0, 8                ; CMD8: SD card version 2 check
        MOV R1, 1AAH
        BL spiCmd
        MOV R0, 255
        BL spi
        MOV R0, 255
        BL spi
        MOV R0, 255
        BL spi
        MOV R8, 256              ; tries left
is_acmd:
        MOV R0, 55               ; CMD55: application command follows
        MOV R1, 0
        BL spiCmd
        MOV R0, 41               ; ACMD41 with HCS (bit 30)
        MOV' R1, 4000H
        BL spiCmd
        LDW R7, R13, SPIDATA     ; 0 = ready
        MOV R0, 255
        BL spi
        MOV R0, 255
        BL spi
        MOV R0, 255
        BL spi
        MOV R0, 10000
        BL spiIdle
        SUB R7, R7, 0
        BEQ is_ready
        SUB R8, R8, 1
        BNE is_acmd
        MOV R0, 1                ; no card
        B is_exit
is_ready:
        MOV R0, 16               ; CMD16: block length 512 (the default, as a precaution)
        MOV R1, 512
        BL spiCmd
        MOV R0, 1
        BL spiIdle
        MOV R0, 0
is_exit:
        LDW LNK, SP, 0
        ADD SP, SP, 4
        B LNK

; R0 := card address of block R0: unchanged on SDHC (CMD58 CCS bit), times 512 otherwise.
; Clobbers R0-R8.
sdShift:
        SUB SP, SP, 4
        STW LNK, SP, 0
        MOV R8, R0
        MOV R0, 58               ; CMD58: read OCR
        MOV R1, 0
        BL spiCmd
        LDW R7, R13, SPIDATA     ; R1 response
        MOV R0, 255
        BL spi                   ; first OCR byte, bit 6 = CCS
        SUB R7, R7, 0
        BNE ss_bytes
        LDW R0, R13, SPIDATA
        AND R0, R0, 40H
        BNE ss_flush
ss_bytes:
        LSL R8, R8, 9
ss_flush:
        MOV R0, 255
        BL spi
        MOV R0, 255
        BL spi
        MOV R0, 1
        BL spiIdle
        MOV R0, R8
        LDW LNK, SP, 0
        ADD SP, SP, 4
        B LNK

; Reads card block R0 to memory at R9 with 32-bit fast transfers; R9 := R9 + 512.
; Clobbers R0-R8.
readSd: SUB SP, SP, 4
        STW LNK, SP, 0
        BL sdShift
        MOV R1, R0
        MOV R0, 17               ; CMD17: read one block
        BL spiCmd
rs_token:                        ; wait for the start token 0FEH
        MOV R0, 255
        BL spi
        LDW R0, R13, SPIDATA
        SUB R0, R0, 254
        BNE rs_token
        MOV R0, SPIFAST + CARD0
        STW R0, R13, SPICTRL
        MOV R1, -1
        MOV R2, 128
rs_word:
        STW R1, R13, SPIDATA
rs_wait:
        LDW R0, R13, SPICTRL
        AND R0, R0, 1
        BEQ rs_wait
        LDW R0, R13, SPIDATA
        STW R0, R9, 0
        ADD R9, R9, 4
        SUB R2, R2, 1
        BNE rs_word
        MOV R0, 255              ; two CRC bytes, then deselect
        BL spi
        MOV R0, 255
        BL spi
        MOV R0, 1
        BL spiIdle
        LDW LNK, SP, 0
        ADD SP, SP, 4
        B LNK

; Boot file from block FSoffset+4 to address 0; its length is at mem[16] after the first block.
; Clobbers R0-R11.
loadDisk:
        SUB SP, SP, 4
        STW LNK, SP, 0
        MOV' R10, FSOFFSET_HI
        IOR R10, R10, BOOTBLOCK_LO
        MOV R9, 0
        MOV R0, R10
        BL readSd
        LDW R11, R13, 16         ; boot file length in bytes
ld_next:
        ADD R10, R10, 1
        SUB R0, R9, R11
        BGE ld_done
        MOV R0, R10
        BL readSd
        B ld_next
ld_done:
        LDW LNK, SP, 0
        ADD SP, SP, 4
        B LNK
