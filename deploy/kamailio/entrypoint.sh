#!/bin/sh
# Renders the dispatcher list (replacing @HOST_IP@ with $HOST_IP, for a node whose address is known only at run
# time) and runs Kamailio in the foreground, logging to stderr.
set -eu
mkdir -p /run/kamailio
sed "s/@HOST_IP@/${HOST_IP:-127.0.0.1}/g" /etc/kamailio/dispatcher.list > /run/kamailio/dispatcher.list
exec kamailio -DD -E -f /etc/kamailio/kamailio.cfg "$@"
