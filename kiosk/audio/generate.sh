#!/usr/bin/env bash
# Regenerates the display board's speech clips and chime (kiosk/audio/*.wav).
# Needs espeak-ng (Indonesian voice) and sox; building or running the kiosk
# does not: the clips are committed and compiled into the binary.
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# 11 025 Hz, 8-bit, mono PCM WAV: small, and every browser plays it. Silence
# trimmed at both ends so the clips join into one sentence.
say() {
  espeak-ng -v id -s 145 -p 45 -w "$tmp/raw.wav" "$2"
  sox "$tmp/raw.wav" -r 11025 -b 8 -c 1 "$1.wav" \
    silence 1 0.01 0.5% reverse silence 1 0.01 0.5% reverse pad 0 0.06 norm -1
}

say nomor_antrean "nomor antrean"
say silakan_ke "silakan ke"
say loket "loket"
i=0
for w in nol satu dua tiga empat lima enam tujuh delapan sembilan; do
  say "d$i" "$w"; i=$((i + 1))
done
# Letters as Indonesian spells them.
names=(a be ce de e ef ge ha i je ka el em en o pe ki er es te u ve we eks ye zet)
letters=(a b c d e f g h i j k l m n o p q r s t u v w x y z)
for n in "${!letters[@]}"; do
  say "l${letters[$n]}" "${names[$n]}"
done
# A two-tone chime (ding-dong) before every call.
sox -n -r 11025 -b 8 -c 1 "$tmp/ding.wav" synth 0.32 sine 880 fade q 0.01 0.32 0.2 gain -4
sox -n -r 11025 -b 8 -c 1 "$tmp/dong.wav" synth 0.5 sine 659 fade q 0.01 0.5 0.35 gain -4
sox "$tmp/ding.wav" "$tmp/dong.wav" chime.wav
ls -l ./*.wav | awk '{s += $5} END {print NR " clips, " s " bytes"}'
