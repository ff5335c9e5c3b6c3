#!/bin/sh
# A command sender around the npm web-push CLI (`web-push send-notification`), written as a user
# would: it maps the PUSHSPEC_SEND_* variables to the CLI's options. The CLI has no option for
# Urgency, Topic or receipts and takes the payload as text only, so for those messages it says
# "unsupported" (exit status 3) instead of sending something else. The CLI exits 0 even when
# sending failed, so its "Error sending push message" is turned into exit status 1.
if [ -n "$PUSHSPEC_SEND_URGENCY" ] || [ -n "$PUSHSPEC_SEND_TOPIC" ]; then
	echo "unsupported: the web-push CLI has no option for Urgency or Topic"
	exit 3
fi
if [ -n "$PUSHSPEC_SEND_RECEIPT" ]; then
	echo "unsupported: the web-push CLI cannot ask for delivery receipts"
	exit 3
fi
if [ -n "$PUSHSPEC_SEND_PAYLOAD_FILE" ] && [ -z "$PUSHSPEC_SEND_PAYLOAD" ]; then
	echo "unsupported: the web-push CLI takes the payload as text (--payload), not binary"
	exit 3
fi
set -- send-notification --endpoint="$PUSHSPEC_SEND_ENDPOINT" --key="$PUSHSPEC_SEND_P256DH" --auth="$PUSHSPEC_SEND_AUTH" \
	--ttl="$PUSHSPEC_SEND_TTL" --encoding="$PUSHSPEC_SEND_ENCODING"
if [ -n "$PUSHSPEC_SEND_PAYLOAD_FILE" ]; then
	set -- "$@" --payload="$PUSHSPEC_SEND_PAYLOAD"
fi
if [ -n "$PUSHSPEC_SEND_VAPID_PRIVATE" ]; then
	set -- "$@" --vapid-subject="$PUSHSPEC_SEND_VAPID_SUBJECT" --vapid-pubkey="$PUSHSPEC_SEND_VAPID_PUBLIC" --vapid-pvtkey="$PUSHSPEC_SEND_VAPID_PRIVATE"
fi
out=$(NODE_EXTRA_CA_CERTS="$PUSHSPEC_SEND_CA_FILE" "${PUSHSPEC_NPM_BIN:?PUSHSPEC_NPM_BIN names the npm .bin directory}/web-push" "$@" 2>&1)
status=$?
printf '%s\n' "$out"
case "$out" in
*"Error sending push message"*) exit 1 ;;
esac
exit $status
