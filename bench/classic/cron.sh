#!/bin/sh
# What `* * * * * checkeql.sh` in a crontab does: run the check at the start of every
# minute. Usage: cron.sh DIR LOG (passed on to checkeql.sh).
here=$(dirname "$0")
while :; do
  sleep $((60 - $(date +%s) % 60))
  "$here/checkeql.sh" "$1" "$2"
done
