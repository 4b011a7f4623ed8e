#!/usr/bin/env bash
# bench/run.sh: samvad under load, each part its own process, on this machine.
#
#   bench/run.sh load [N ...]         server + bot + baseline recorder + N simulated rooms (default 25 100 300)
#   bench/run.sh forward [N]          N rooms (default 200) that all listen, server.forward_loudest: 3
#   bench/run.sh soak [N] [DURATION]  N rooms (default 50) for DURATION (default 30m): RSS and goroutines over time
#   bench/run.sh cluster [M] [N]      M meetings (default 2) of N rooms (default 25) at once on two livekit-server
#                                     nodes sharing a redis-server, each meeting with its own samvad server and bot
#   bench/run.sh align [N ...]        samvad run (server + bot) and N probing rooms (default 4 25 100) over impaired
#                                     paths: where each room's tone bursts land in its file and in mix.ogg
#
# ENGINE=livekit puts the meeting's media on a livekit-server the script
# starts (built as .ci/run does: $SAMVAD_LIVEKIT_SERVER, or the cache): the
# samvad server hands out grants and follows the room, the bot is `samvad bot
# --config` on LiveKit, the rooms join through the grant; there is no
# baseline recorder (it speaks only samvad's protocol), and LiveKit's own
# CPU is reported beside the server's.
#
# Align measures onsets from outside: `samvad simulate --probe` logs when
# each burst was captured, bench/align decodes rooms/*.ogg and mix.ogg and
# prints the onset errors (median, p99, worst; all, and each room's first
# 10 s). Its paths lose LOSS (default 0.03) of the packets, delay each by up
# to DELAY (default 30ms) and make REORDER (default 0.01) arrive after the
# next; LOSS=0 DELAY=0 REORDER=0 is a clean path.
#
# Environment: DURATION (load/forward/align run length, default 3m), BENCH_DIR (work
# folder, default /tmp/samvad-bench), PORT (first of three ports, default
# 18480), LISTEN (forward: rooms that listen, default all), BASELINE=0 (load:
# no baseline recorder), BOT=0 (no recorder bot), BOT_ENV and BASELINE_ENV
# (variables for the bot's and the baseline's process, e.g. GOMAXPROCS=1).
#
# Load prints one line per N: CPU seconds per room-minute of the server, the
# bot and the baseline, measured over the steady part of the run (every room
# joined and recorded, until the rooms start to leave); the bot's CPU per
# packet over the baseline's; peak RSS (VmHWM) per room; join times; and what
# reached each recorder but not its files. Everything is loopback on this one
# machine: the simulator's own CPU shares the same two cores.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-load}
shift || true
W=${BENCH_DIR:-/tmp/samvad-bench}
PORT=${PORT:-18480}
DURATION=${DURATION:-3m}
mkdir -p "$W"
HZ=$(getconf CLK_TCK)

go build -o "$W/samvad" ./cmd/samvad
go build -o "$W/baseline" ./bench/baseline
go build -o "$W/align" ./bench/align

pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	sleep 1
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

seconds() { # 3m, 90s, 1h -> seconds
	local d=$1
	case $d in
	*h) echo $((${d%h} * 3600)) ;;
	*m) echo $((${d%m} * 60)) ;;
	*s) echo "${d%s}" ;;
	*) echo "$d" ;;
	esac
}
now() { date +%s.%N; }
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; } # clock ticks, user + system
# udp_drops PID: packets the kernel dropped at PID's UDP sockets (full receive buffers).
udp_drops() {
	local inodes
	inodes=$(find "/proc/$1/fd" -lname 'socket:*' -printf '%l\n' 2>/dev/null | tr -dc '0-9\n' | paste -sd' ')
	awk -v ino=" $inodes " 'NR > 1 && index(ino, " " $10 " ") {s += $13} END {print s + 0}' /proc/net/udp
}
status_kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }
# metric URL NAME: the sum of every series of NAME (all labels).
metric() {
	curl -fsS "$1" 2>/dev/null | awk -v n="$2" '$1 == n || index($1, n "{") == 1 {s += $NF} END {printf "%.0f\n", s}'
}
metric_ge() { [ "$(metric "$1" "$2")" -ge "$3" ]; } # metric_ge URL NAME VALUE
wait_for() { # wait_for SECONDS CMD...: until CMD succeeds
	local until=$(($(date +%s) + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		if [ "$(date +%s)" -ge "$until" ]; then return 1; fi
		sleep 0.5
	done
}

# meeting N LOUDEST FILE: a meeting of a host and N-1 districts, plain
# tokens (demo: true), limits that let N rooms join from one address.
# MID, MPORT and LKURL, when set, give the meeting's id, port and LiveKit.
meeting() {
	local n=$1 loudest=$2 f=$3
	{
		echo "meeting: {id: ${MID:-bench-$n}, title: \"bench, $n rooms\", starts_at: $(date +%Y-%m-%dT%H:%M:%S%:z), late_after: 10m, demo: true}"
		echo "server:"
		echo "  listen: \"127.0.0.1:${MPORT:-$PORT}\""
		echo "  forward_loudest: $loudest"
		echo "  limits: {connections_per_ip: $((n + 50)), messages_per_second: 1000, max_recorders: 4}"
		echo "recording: {dir: $W/rec, mix: true}"
		if [ "$ENGINE" = livekit ]; then
			echo "media: {engine: livekit, livekit: {url: \"${LKURL:-ws://127.0.0.1:$((PORT + 10))}\", api_key: bench-key, api_secret: {plain: bench-secret-at-least-32-characters-long}}}"
		fi
		echo "recorder_token: {plain: bench-recorder}"
		echo "staff_token: {plain: bench-staff}"
		echo "rooms:"
		echo "  - {id: host, kind: host, name: Host, token: {plain: bench-host}}"
		for i in $(seq 1 $((n - 1))); do
			printf '  - {id: d%03d, kind: district, name: District %d, token: {plain: bench-d%03d}}\n' "$i" "$i" "$i"
		done
	} >"$f"
}

ENGINE=${ENGINE:-samvad}
[ "$mode" = cluster ] && ENGINE=livekit
if [ "$ENGINE" = livekit ]; then
	BASELINE=0
	LIVEKIT=${SAMVAD_LIVEKIT_SERVER:-${XDG_CACHE_HOME:-$HOME/.cache}/samvad/livekit-v1.13.5/server}
	[ -x "$LIVEKIT" ] || { echo "no livekit-server at $LIVEKIT: build it as .ci/run does" >&2; exit 1; }
fi
kpid=""
# livekit: a livekit-server on loopback (PORT+10 http, +11 tcp, +12 udp).
livekit() {
	cat >"$run/livekit.yaml" <<LKEOF
port: $((PORT + 10))
bind_addresses: ["127.0.0.1"]
rtc: {udp_port: $((PORT + 12)), tcp_port: $((PORT + 11)), use_external_ip: false, node_ip: 127.0.0.1, enable_loopback_candidate: true}
keys: {bench-key: bench-secret-at-least-32-characters-long}
logging: {level: warn}
LKEOF
	"$LIVEKIT" --config "$run/livekit.yaml" >"$run/livekit.log" 2>&1 &
	kpid=$!
	pids+=("$kpid")
	wait_for 20 curl -fsS "http://127.0.0.1:$((PORT + 10))/" || { echo "livekit-server did not start: $run/livekit.log" >&2; exit 1; }
}

SERVER=http://127.0.0.1:$PORT
BOTM=http://127.0.0.1:$((PORT + 1))/metrics
BASEM=http://127.0.0.1:$((PORT + 2))/metrics

# start N LOUDEST TAG: meeting file, server, bot and baseline; sets the
# spid, bpid, lpid and run variables.
start() {
	local n=$1 loudest=$2 tag=$3
	run=$W/$tag
	rm -rf "$run"
	mkdir -p "$run"
	meeting "$n" "$loudest" "$run/meeting.yaml"
	if [ "$ENGINE" = livekit ]; then livekit; fi
	"$W/samvad" serve --config "$run/meeting.yaml" >"$run/server.log" 2>&1 &
	spid=$!
	pids+=("$spid")
	wait_for 20 curl -fsS "$SERVER/healthz" || { echo "server did not start: $run/server.log" >&2; exit 1; }
	bpid="" lpid=""
	local recorders=0
	if [ "${BOT:-1}" != 0 ] && [ "$ENGINE" = livekit ]; then
		env ${BOT_ENV:-} "$W/samvad" bot --config "$run/meeting.yaml" --out "$run/bot" --metrics "127.0.0.1:$((PORT + 1))" >"$run/bot.log" 2>&1 &
		bpid=$!
		pids+=("$bpid")
		# The bot joins LiveKit, not the samvad server.
		wait_for 20 curl -fsS "$BOTM" || { echo "the bot did not start: $run/bot.log" >&2; exit 1; }
	elif [ "${BOT:-1}" != 0 ]; then
		env ${BOT_ENV:-} SAMVAD_RECORDER_TOKEN=bench-recorder "$W/samvad" bot --url "ws://127.0.0.1:$PORT/ws" --meeting "bench-$n" \
			--out "$run/bot" --metrics "127.0.0.1:$((PORT + 1))" >"$run/bot.log" 2>&1 &
		bpid=$!
		pids+=("$bpid")
		recorders=$((recorders + 1))
	fi
	if [ "$mode" = load ] && [ "${BASELINE:-1}" != 0 ]; then
		env ${BASELINE_ENV:-} "$W/baseline" --url "ws://127.0.0.1:$PORT/ws" --meeting "bench-$n" --token bench-recorder \
			--out "$run/baseline" --metrics "127.0.0.1:$((PORT + 2))" >"$run/baseline.log" 2>&1 &
		lpid=$!
		pids+=("$lpid")
		recorders=$((recorders + 1))
	fi
	wait_for 20 metric_ge "$SERVER/metrics" samvad_signaling_joins_total "$recorders" ||
		{ echo "recorders did not join" >&2; exit 1; }
}

# simulate N TAG ARGS...: the rooms, in the background; sets simpid.
simulate() {
	local n=$1
	shift
	"$W/samvad" simulate --url "ws://127.0.0.1:$PORT/ws" --config "$run/meeting.yaml" --rooms "$n" --duration "$DURATION" \
		--loss 0 --jitter 0 --late none --absent none --silent none --pause none --drop none "$@" >"$run/simulate.log" 2>&1 &
	simpid=$!
	pids+=("$simpid")
	simstart=$(now)
}

stop_all() {
	for p in $bpid $lpid; do kill -INT "$p" 2>/dev/null || true; done
	# The bot builds the report after a meeting: give it time.
	for p in $bpid $lpid; do
		for _ in $(seq 1 240); do kill -0 "$p" 2>/dev/null || break; sleep 0.5; done
	done
	kill -INT "$spid" 2>/dev/null || true
	wait "$spid" 2>/dev/null || true
	if [ -n "$kpid" ]; then
		kill -INT "$kpid" 2>/dev/null || true
		wait "$kpid" 2>/dev/null || true
		kpid=""
	fi
	pids=()
}

load() {
	local n=$1 tag=load-$1
	local dur
	dur=$(seconds "$DURATION")
	start "$n" 0 "$tag"
	local report=()
	[ -n "$bpid" ] && report=(--report "$run/bot")
	simulate "$n" "${report[@]}"
	# Steady part: from every room connected and recorded (+5 s) until 5 s
	# before the rooms leave.
	local want_tracks=$n
	if ! wait_for $((dur / 2)) metric_ge "$SERVER/metrics" samvad_rooms_connected "$n"; then
		echo "N=$n: only $(metric "$SERVER/metrics" samvad_rooms_connected) rooms connected by half time" >&2
	fi
	local joined_at
	joined_at=$(now)
	if [ -n "$bpid" ]; then
		wait_for $((dur / 2)) metric_ge "$BOTM" samvad_bot_tracks_recording "$want_tracks" ||
			echo "N=$n: the bot records only $(metric "$BOTM" samvad_bot_tracks_recording) rooms" >&2
	fi
	sleep 5
	local t0 t1 s0 s1 b0=0 b1=0 l0=0 l1=0 bp0=0 bp1=0 lp0=0 lp1=0 ba0=0 ba1=0
	local k0=0 k1=0 khwm=0
	t0=$(now)
	s0=$(cpu "$spid")
	[ -n "$kpid" ] && k0=$(cpu "$kpid")
	[ -n "$bpid" ] && { b0=$(cpu "$bpid"); bp0=$(metric "$BOTM" samvad_bot_packets_received_total); ba0=$(metric "$BOTM" go_memstats_mallocs_total); }
	[ -n "$lpid" ] && { l0=$(cpu "$lpid"); lp0=$(metric "$BASEM" baseline_packets_received_total); }
	local end
	end=$(echo "$simstart + $dur - 5" | bc)
	sleep "$(echo "$end - $(now)" | bc)"
	t1=$(now)
	s1=$(cpu "$spid")
	[ -n "$kpid" ] && { k1=$(cpu "$kpid"); khwm=$(status_kb "$kpid" VmHWM); }
	[ -n "$bpid" ] && { b1=$(cpu "$bpid"); bp1=$(metric "$BOTM" samvad_bot_packets_received_total); ba1=$(metric "$BOTM" go_memstats_mallocs_total); }
	[ -n "$lpid" ] && { l1=$(cpu "$lpid"); lp1=$(metric "$BASEM" baseline_packets_received_total); }
	local sdrop bdrop=0 ldrop=0 kdrop=0
	sdrop=$(udp_drops "$spid")
	[ -n "$bpid" ] && bdrop=$(udp_drops "$bpid")
	[ -n "$lpid" ] && ldrop=$(udp_drops "$lpid")
	[ -n "$kpid" ] && kdrop=$(udp_drops "$kpid")
	local shwm bhwm=0 lhwm=0
	shwm=$(status_kb "$spid" VmHWM)
	[ -n "$bpid" ] && bhwm=$(status_kb "$bpid" VmHWM)
	[ -n "$lpid" ] && lhwm=$(status_kb "$lpid" VmHWM)
	local brecv=0 bwritten=0 bdropped=0 lrecv=0 lwritten=0
	wait "$simpid" || true
	[ -n "$bpid" ] && { brecv=$(metric "$BOTM" samvad_bot_packets_received_total); bwritten=$(metric "$BOTM" samvad_bot_packets_written_total); bdropped=$(metric "$BOTM" samvad_bot_packets_dropped_total); }
	[ -n "$lpid" ] && { lrecv=$(metric "$BASEM" baseline_packets_received_total); lwritten=$(metric "$BASEM" baseline_packets_written_total); }
	stop_all
	local rep
	rep=$(grep '^report:' "$run/simulate.log" || echo "report: (none)")
	local sent
	sent=$(awk '/^ *room +joins/ {t = 1; next} t && NF == 0 {exit} t {s += $5} END {print s + 0}' "$run/simulate.log")
	python3 - "$n" "$t0" "$t1" "$HZ" "$s0" "$s1" "$b0" "$b1" "$l0" "$l1" "$bp0" "$bp1" "$lp0" "$lp1" "$shwm" "$bhwm" "$lhwm" \
		"$brecv" "$bwritten" "$bdropped" "$lrecv" "$lwritten" "$sent" "$ba0" "$ba1" "$rep" "$sdrop $bdrop $ldrop $kdrop" "$ENGINE $k0 $k1 $khwm" <<'EOF' | tee -a "$W/results.txt"
import sys
a = sys.argv[1:]
n = int(a[0]); t0, t1 = float(a[1]), float(a[2]); hz = float(a[3])
s0, s1, b0, b1, l0, l1 = (float(x) / hz for x in a[4:10])
bp0, bp1, lp0, lp1 = (float(x) for x in a[10:14])
shwm, bhwm, lhwm = (float(x) / 1024 for x in a[14:17])
brecv, bwritten, bdropped, lrecv, lwritten, sent, ba0, ba1 = (float(x) for x in a[17:25])
rep = dict(kv.split("=", 1) for kv in a[25].split()[1:] if "=" in kv)
sdrop, bdrop, ldrop, kdrop = a[26].split()
engine, k0, k1, khwm = a[27].split()
rm = n * (t1 - t0) / 60  # room-minutes in the window
def per(x): return f"{x / rm:.3f}"
lk = ""
if engine == "livekit":
    lk = f" livekit-server {per((float(k1) - float(k0)) / hz)} (peak RSS {float(khwm) / 1024:.0f} MiB)"
def us(cpu, pk): return f"{cpu / pk * 1e6:.1f}" if pk > 0 else "-"
bpk, lpk = bp1 - bp0, lp1 - lp0
ratio = f"{((b1 - b0) / bpk) / ((l1 - l0) / lpk):.2f}" if bpk > 0 and lpk > 0 else "-"
print(f"N={n} engine={engine} window={t1 - t0:.0f}s | CPU s/room-min: server {per(s1 - s0)}{lk} bot {per(b1 - b0)} baseline {per(l1 - l0)}"
      f" | CPU/packet: bot {us(b1 - b0, bpk)} us, baseline {us(l1 - l0, lpk)} us, bot/baseline {ratio}"
      f" | bot allocs/packet {((ba1 - ba0) / bpk if bpk else 0):.2f}"
      f" | peak RSS MiB (per room): server {shwm:.0f} ({shwm / n:.2f}) bot {bhwm:.0f} ({bhwm / n:.2f}) baseline {lhwm:.0f} ({lhwm / n:.2f})"
      f" | join median {rep.get('join_median_ms', '?')} ms, max {rep.get('join_max_ms', '?')} ms, last room's audio {rep.get('last_audio_after_s', '?')} s after the first join"
      f" | sent {sent:.0f}, bot received {brecv:.0f} written {bwritten:.0f} dropped {bdropped:.0f} (events: lost {rep.get('recorder_lost', '?')}, concealed {rep.get('concealed', '?')})"
      f", baseline received {lrecv:.0f} written {lwritten:.0f}"
      f" | kernel UDP drops (full receive buffers) until the window's end: server {sdrop} bot {bdrop} baseline {ldrop}"
      + (f" livekit-server {kdrop}" if engine == "livekit" else ""))
EOF
}

forward() {
	local n=$1 tag=forward-$1
	local dur
	dur=$(seconds "$DURATION")
	start "$n" 3 "$tag"
	simulate "$n" --listen "${LISTEN:--1}"
	wait_for $((dur / 2)) metric_ge "$SERVER/metrics" samvad_rooms_connected "$n" ||
		echo "N=$n: only $(metric "$SERVER/metrics" samvad_rooms_connected) rooms connected by half time" >&2
	sleep 10
	local t0 t1 s0 s1 f0 f1 r0 r1
	t0=$(now)
	s0=$(cpu "$spid")
	f0=$(metric "$SERVER/metrics" samvad_relay_packets_forwarded_total)
	r0=$(metric "$SERVER/metrics" samvad_relay_packets_received_total)
	sleep "$(echo "$simstart + $dur - 5 - $(now)" | bc)"
	t1=$(now)
	s1=$(cpu "$spid")
	f1=$(metric "$SERVER/metrics" samvad_relay_packets_forwarded_total)
	r1=$(metric "$SERVER/metrics" samvad_relay_packets_received_total)
	local hwm
	hwm=$(status_kb "$spid" VmHWM)
	wait "$simpid" || true
	stop_all
	python3 - "$n" "$t0" "$t1" "$HZ" "$s0" "$s1" "$f0" "$f1" "$r0" "$r1" "$hwm" "${LISTEN:-all}" "${BOT:-1}" <<'EOF' | tee -a "$W/results.txt"
import sys
a = sys.argv[1:]
n = int(a[0]); t0, t1, hz = float(a[1]), float(a[2]), float(a[3])
s = (float(a[5]) - float(a[4])) / hz
f, r = float(a[7]) - float(a[6]), float(a[9]) - float(a[8])
d = t1 - t0
print(f"forward N={n} loudest=3 listening={a[11]} bot={'yes' if a[12] != '0' else 'no'} window={d:.0f}s | server CPU {s / d:.2f} cores"
      f" ({s / (n * d / 60):.3f} s/room-min) | in {r / d:.0f} pkt/s, out {f / d:.0f} pkt/s ({f / r if r else 0:.1f} per packet in)"
      f" | peak RSS {float(a[10]) / 1024:.0f} MiB")
EOF
	grep -E '^ *room +joins' -A3 "$run/simulate.log" | head -4 || true
}

soak() {
	local n=$1 dur=$2 tag=soak-$1
	DURATION=$dur
	local secs
	secs=$(seconds "$dur")
	BASELINE=0 start "$n" 0 "$tag"
	simulate "$n" --report "$run/bot"
	local csv=$run/soak.csv
	echo "t_s,server_rss_kb,bot_rss_kb,server_goroutines,bot_goroutines,rooms,bot_tracks" >"$csv"
	while kill -0 "$simpid" 2>/dev/null; do
		local t
		t=$(echo "$(now) - $simstart" | bc)
		echo "$t,$(status_kb "$spid" VmRSS),$(status_kb "$bpid" VmRSS),$(metric "$SERVER/metrics" go_goroutines),$(metric "$BOTM" go_goroutines),$(metric "$SERVER/metrics" samvad_rooms_connected),$(metric "$BOTM" samvad_bot_tracks_recording)" >>"$csv"
		sleep 30
	done
	stop_all
	python3 - "$csv" "$n" "$secs" <<'EOF' | tee -a "$W/results.txt"
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1])) if r["rooms"] and r["bot_rss_kb"]]
n, secs = int(sys.argv[2]), float(sys.argv[3])
# Steady: every room in, before the rooms leave; compare the first and last
# fifth of it.
steady = [r for r in rows if int(r["rooms"]) >= n and float(r["t_s"]) < secs - 30]
k = max(1, len(steady) // 5)
def avg(rs, key): return sum(float(r[key]) for r in rs) / len(rs)
first, last = steady[:k], steady[-k:]
def line(key, unit, scale=1):
    a, b = avg(first, key) / scale, avg(last, key) / scale
    mx = max(float(r[key]) for r in steady) / scale
    return f"{key} {a:.1f} -> {b:.1f} {unit} (max {mx:.1f}, {100 * (b - a) / a:+.1f}%)"
print(f"soak N={n} {secs / 60:.0f} min, {len(steady)} samples in the steady part ({float(steady[0]['t_s']):.0f}-{float(steady[-1]['t_s']):.0f} s) | "
      + " | ".join([line("server_rss_kb", "MiB", 1024), line("bot_rss_kb", "MiB", 1024),
                    line("server_goroutines", ""), line("bot_goroutines", "")]))
EOF
	grep '^report:' "$run/simulate.log" || true
}

# cluster M N: see the top.
cluster() {
	local m=$1 n=$2 tag=cluster-$1x$2 dur
	dur=$(seconds "$DURATION")
	run=$W/$tag
	rm -rf "$run"
	mkdir -p "$run"
	local rport=$((PORT + 20))
	redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no --dir "$run" >"$run/redis.log" 2>&1 &
	pids+=($!)
	wait_for 10 bash -c "exec 3<>/dev/tcp/127.0.0.1/$rport" || { echo "redis-server did not start" >&2; exit 1; }
	local nodes=() knodes=()
	for i in 0 1; do
		local hp=$((PORT + 30 + 10 * i))
		cat >"$run/livekit-$i.yaml" <<LKEOF
port: $hp
bind_addresses: ["127.0.0.1"]
rtc: {udp_port: $((hp + 2)), tcp_port: $((hp + 1)), use_external_ip: false, node_ip: 127.0.0.1, enable_loopback_candidate: true}
keys: {bench-key: bench-secret-at-least-32-characters-long}
redis: {address: "127.0.0.1:$rport"}
region: reg$i
node_selector: {kind: regionaware, sort_by: random, sysload_limit: 1000, regions: [{name: reg0, lat: 0, lon: 0}, {name: reg1, lat: 10, lon: 10}]}
logging: {level: warn}
LKEOF
		"$LIVEKIT" --config "$run/livekit-$i.yaml" >"$run/livekit-$i.log" 2>&1 &
		knodes+=($!)
		pids+=($!)
		nodes+=("ws://127.0.0.1:$hp")
		wait_for 20 curl -fsS "http://127.0.0.1:$hp/" || { echo "livekit node $i did not start" >&2; exit 1; }
	done
	local servers=() bots=() sims=()
	for i in $(seq 1 "$m"); do
		local mp=$((PORT + 100 * i)) d=$run/m$i
		mkdir -p "$d"
		MID=bench-c$i MPORT=$mp LKURL=${nodes[$((i % 2))]} meeting "$n" 0 "$d/meeting.yaml"
		"$W/samvad" serve --config "$d/meeting.yaml" >"$d/server.log" 2>&1 &
		servers+=($!)
		pids+=($!)
		wait_for 20 curl -fsS "http://127.0.0.1:$mp/healthz" || { echo "server $i did not start" >&2; exit 1; }
		"$W/samvad" bot --config "$d/meeting.yaml" --out "$d/bot" --metrics "127.0.0.1:$((mp + 1))" >"$d/bot.log" 2>&1 &
		bots+=($!)
		pids+=($!)
		wait_for 20 curl -fsS "http://127.0.0.1:$((mp + 1))/metrics" || { echo "bot $i did not start" >&2; exit 1; }
	done
	local simstart
	simstart=$(now)
	for i in $(seq 1 "$m"); do
		local mp=$((PORT + 100 * i)) d=$run/m$i
		"$W/samvad" simulate --url "ws://127.0.0.1:$mp/ws" --config "$d/meeting.yaml" --rooms "$n" --duration "$DURATION" \
			--livekit-url "${nodes[0]},${nodes[1]}" --loss 0 --jitter 0 --late none --absent none --silent none --pause none --drop none \
			--report "$d/bot" >"$d/simulate.log" 2>&1 &
		sims+=($!)
		pids+=($!)
	done
	for i in $(seq 1 "$m"); do
		wait_for $((dur / 2)) metric_ge "http://127.0.0.1:$((PORT + 100 * i + 1))/metrics" samvad_bot_tracks_recording "$n" ||
			echo "meeting $i: the bot records only $(metric "http://127.0.0.1:$((PORT + 100 * i + 1))/metrics" samvad_bot_tracks_recording) rooms" >&2
	done
	sleep 5
	local t0 t1 b0=() b1=() k0=() k1=()
	t0=$(now)
	for p in "${bots[@]}"; do b0+=("$(cpu "$p")"); done
	for p in "${knodes[@]}"; do k0+=("$(cpu "$p")"); done
	sleep "$(echo "$simstart + $dur - 5 - $(now)" | bc)"
	t1=$(now)
	for p in "${bots[@]}"; do b1+=("$(cpu "$p")"); done
	for p in "${knodes[@]}"; do k1+=("$(cpu "$p")"); done
	for p in "${sims[@]}"; do wait "$p" || true; done
	local per_meeting=()
	for i in $(seq 1 "$m"); do
		local bm="http://127.0.0.1:$((PORT + 100 * i + 1))/metrics"
		per_meeting+=("$(metric "$bm" samvad_bot_packets_received_total)/$(metric "$bm" samvad_bot_packets_written_total)/$(metric "$bm" samvad_bot_packets_dropped_total)/$(grep -o 'sent=[0-9]*' "$run/m$i/simulate.log" | cut -d= -f2)")
	done
	for p in "${bots[@]}"; do kill -INT "$p" 2>/dev/null || true; done
	for p in "${bots[@]}"; do for _ in $(seq 1 240); do kill -0 "$p" 2>/dev/null || break; sleep 0.5; done; done
	python3 - "$m" "$n" "$t0" "$t1" "$HZ" "${b0[*]}" "${b1[*]}" "${k0[*]}" "${k1[*]}" "${per_meeting[*]}" <<'EOF' | tee -a "$W/results.txt"
import sys
a = sys.argv[1:]
m, n = int(a[0]), int(a[1]); t0, t1, hz = float(a[2]), float(a[3]), float(a[4])
b0, b1, k0, k1 = ([float(x) / hz for x in v.split()] for v in a[5:9])
rm = n * (t1 - t0) / 60
bots = " ".join(f"{(y - x) / rm:.3f}" for x, y in zip(b0, b1))
lk = sum(y - x for x, y in zip(k0, k1)) / (m * rm)
meets = []
for i, v in enumerate(a[9].split()):
    recv, written, dropped, sent = (float(x or 0) for x in v.split("/"))
    meets.append(f"meeting {i + 1}: sent {sent:.0f} received {recv:.0f} written {written:.0f} dropped {dropped:.0f}")
print(f"cluster: {m} meetings x {n} rooms on 2 livekit nodes, window {t1 - t0:.0f}s | CPU s/room-min: each bot {bots}, livekit nodes {lk:.3f} | " + " | ".join(meets))
EOF
	for p in "${servers[@]}" "${knodes[@]}"; do kill -INT "$p" 2>/dev/null || true; done
	sleep 1
}

# align N: samvad run with N probing rooms, then bench/align on its recording.
align() {
	local n=$1 tag=align-$1
	run=$W/$tag
	rm -rf "$run"
	mkdir -p "$run"
	meeting "$n" 0 "$run/meeting.yaml"
	sed -i "s#dir: $W/rec,#dir: $run/rec,#" "$run/meeting.yaml"
	"$W/samvad" run --config "$run/meeting.yaml" >"$run/run.log" 2>&1 &
	spid=$!
	pids+=("$spid")
	wait_for 20 curl -fsS "$SERVER/healthz" || { echo "samvad run did not start: $run/run.log" >&2; exit 1; }
	wait_for 20 metric_ge "$SERVER/metrics" samvad_signaling_joins_total 1 || { echo "the bot did not join: $run/run.log" >&2; exit 1; }
	"$W/samvad" simulate --url "ws://127.0.0.1:$PORT/ws" --config "$run/meeting.yaml" --rooms "$n" --duration "$DURATION" \
		--probe "$run/bursts.jsonl" --loss "${LOSS:-0.03}" --delay "${DELAY:-30ms}" --reorder "${REORDER:-0.01}" --jitter 0 \
		--late none --absent none --silent none --pause none --drop none >"$run/simulate.log" 2>&1 || true
	kill -INT "$spid" 2>/dev/null || true
	for _ in $(seq 1 240); do kill -0 "$spid" 2>/dev/null || break; sleep 0.5; done
	pids=()
	echo "align: $n rooms, $DURATION, loss ${LOSS:-0.03} delay ${DELAY:-30ms} reorder ${REORDER:-0.01}" | tee -a "$W/results.txt"
	"$W/align" --probe "$run/bursts.jsonl" --rec "$run/rec" ${ALIGN_FLAGS:-} | tee -a "$W/results.txt"
}

echo "# $(date -u +%FT%TZ) $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $(nproc) cores; git $(git rev-parse --short HEAD); engine $ENGINE; bot env: ${BOT_ENV:-none}, baseline env: ${BASELINE_ENV:-none}" | tee -a "$W/results.txt"
case $mode in
load)
	[ $# -eq 0 ] && set -- 25 100 300
	for n in "$@"; do load "$n"; done
	;;
forward) forward "${1:-200}" ;;
soak) soak "${1:-50}" "${2:-30m}" ;;
cluster) cluster "${1:-2}" "${2:-25}" ;;
align)
	[ $# -eq 0 ] && set -- 4 25 100
	for n in "$@"; do align "$n"; done
	;;
*)
	sed -n '2,37p' "$0"
	exit 2
	;;
esac
