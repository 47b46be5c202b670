; Computes forever without polling any device: never idle (for --until-idle --timeout).
        .org 0
        B main
        .org 20H
main:   ADD R1, R1, 1
        B main
