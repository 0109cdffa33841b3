#!/usr/bin/env bash
# catsctl decode/encode as a user runs them: exit status, messages on bad
# input, file forms, and decode -> JSON -> encode giving the same octets.
set -u
CATSCTL=$1
VECTORS=$2
. "$(dirname "$0")/checks.sh"

hexof() { $PY -c "import json,sys; print([v['hex'] for v in json.load(open('$VECTORS')) if v['name']=='$1'][0])"; }
TV1=$(hexof TV1); TV2=$(hexof TV2); TV4=$(hexof TV4); TV10=$(hexof TV10); TV12=$(hexof TV12)

check tv1_ok 0 '' "$CATSCTL" decode --hex "$TV1" --as4 --json
expect tv1_json_site_score \
  $PY -c "import json,sys; j=json.load(open('$tmp/out')); assert j['attributes'][4]['site_score']==8" 2>/dev/null
check tv4_treat_as_withdraw_is_0 0 '' "$CATSCTL" decode --hex "$TV4" --as4 --json
expect tv4_action_in_json grep -q '"action":"treat-as-withdraw"' "$tmp/out"
check tv12_session_reset_is_1 1 '' "$CATSCTL" decode --hex "$TV12" --as4 --json
check tv2_needs_add_path_context 1 '' "$CATSCTL" decode --hex "$TV2" --as4
check tv2_with_add_path 0 '' "$CATSCTL" decode --hex "$TV2" --as4 --add-path ipv6
check text_output 0 '' "$CATSCTL" decode --hex "$TV10"
expect text_shows_cats_capability grep -q 'capability 239 cats-exp' "$tmp/out"
check bad_hex 2 'not a hex string' "$CATSCTL" decode --hex "ffzz"
check odd_hex 2 'not a hex string' "$CATSCTL" decode --hex "fff"
check truncated 2 'truncated input' "$CATSCTL" decode --hex "ffffffff"
check header_length_mismatch 1 '' "$CATSCTL" decode --hex "${TV1:0:100}"
check no_input 2 'exactly one of' "$CATSCTL" decode
check unknown_option 2 "unknown option" "$CATSCTL" decode --hex "$TV1" --bogus
check bad_add_path 2 'ipv4 and/or ipv6' "$CATSCTL" decode --hex "$TV1" --add-path ipx
check bad_cats_type 2 'expects a number' "$CATSCTL" decode --hex "$TV1" --cats-type 300
check unknown_command 2 "unknown command" "$CATSCTL" frobnicate
check missing_file 2 'cannot open' "$CATSCTL" decode --file "$tmp/nope"

# --file with hex lines and comments; JSON Lines out, worst exit status.
printf '# vectors\n%s\n\n%s  # malformed\n' "$TV1" "$TV12" >"$tmp/lines.hex"
check file_hex_lines 1 '' "$CATSCTL" decode --file "$tmp/lines.hex" --as4 --json
expect file_two_json_lines [ "$(wc -l <"$tmp/out")" = 2 ]

# --file with raw bytes: two messages back to back, then a torn third.
$PY -c "import sys; b=bytes.fromhex('$TV1'); sys.stdout.buffer.write(b+b+b[:10])" >"$tmp/raw.bin"
check file_raw_torn_tail 2 'truncated input' "$CATSCTL" decode --file "$tmp/raw.bin" --as4 --json
expect file_raw_decodes_whole_messages [ "$(wc -l <"$tmp/out")" = 2 ]

# decode -> JSON -> encode is byte-identical for every well-formed vector.
for v in TV1 TV3 TV5 TV6 TV7 TV8 TV10 TV11; do
  h=$(hexof $v)
  "$CATSCTL" decode --hex "$h" --as4 --json >"$tmp/$v.json"
  out=$("$CATSCTL" encode --json "$tmp/$v.json" --as4 2>"$tmp/err")
  if [ "$out" = "$h" ]; then ok "encode_roundtrip_$v"; else bad "encode_roundtrip_$v: $out"; fi
done
h=$(hexof TV2)
out=$("$CATSCTL" decode --hex "$h" --as4 --add-path ipv6 --json | "$CATSCTL" encode --json - --as4 --add-path ipv6)
expect encode_roundtrip_TV2_stdin [ "$out" = "$h" ]

echo '{"type":"UPDATE","nlri":[{"prefix":"10.0.0.0/40"}]}' >"$tmp/bad.json"
check encode_bad_prefix 2 '$.nlri\[0\].prefix' "$CATSCTL" encode --json "$tmp/bad.json"
echo '{"type": ' >"$tmp/broken.json"
check encode_broken_json 2 'invalid JSON' "$CATSCTL" encode --json "$tmp/broken.json"

echo "catsctl-cli: $pass passed, $fail failed"
[ "$fail" = 0 ]
