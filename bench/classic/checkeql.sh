#!/bin/sh
# The classic way to keep an eql bundle up, as eqlplus's checkeql.sh did from cron every
# minute: for each line whose ppp interface is gone, dial it again with pppd and chat and
# enslave the new interface to eql. The benchmark runs it beside dialbond on the same lab
# lines to compare the two.
#
# Usage: checkeql.sh DIR LOG. DIR holds dial.chat and one file per line, lineN, with
# "DEVICE UNIT LOCAL_IP REMOTE_IP RATE". Appends "<epoch ms> <event> <line>" to LOG, where
# event is detect (the interface is gone), dial, enslaved or failed.
dir=$1
log=$2
now() { date +%s%3N; }
for conf in "$dir"/line*; do
  line=$(basename "$conf")
  read -r device unit local remote rate < "$conf"
  ifname="ppp$unit"
  if ip -o link show dev "$ifname" 2>/dev/null | grep -q 'UP'; then continue; fi
  echo "$(now) detect $line" >> "$log"
  echo "$(now) dial $line" >> "$log"
  # As the HOWTO's eql-options: LCP echo every 10 s, the peer is dead after 6 missed.
  if pppd "$device" "$rate" unit "$unit" linkname "classic-$line" connect "/usr/sbin/chat -f $dir/dial.chat" \
      updetach noauth local nolock nodefaultroute noipdefault novj novjccomp nodeflate nobsdcomp \
      mtu 1500 mru 1500 lcp-echo-interval 10 lcp-echo-failure 6 "$local:$remote" >/dev/null 2>&1 &&
      eql_enslave eql "$ifname" "$rate" >/dev/null 2>&1; then
    echo "$(now) enslaved $line" >> "$log"
  else
    echo "$(now) failed $line" >> "$log"
  fi
done
