// Package metrics is samvad's Prometheus instrumentation: the counters the
// relay, the signalling server and the recorder bot keep, and the /metrics
// handler that serves them.
//
// Every process builds its own registry with NewRegistry; nothing here
// touches the client library's global default registry, and the package has
// no mutable state of its own. A nil *Relay, *Signaling or *Bot (and the
// per-room handles they hand out) counts nothing, so callers never check.
//
// Per-room series are labelled with the room id. Only rooms of the meeting
// file can join, so the number of series is bounded by the meeting.
//
// Counters on the media path are resolved once per room connection (a
// *RelaySource or *BotRoom) and then cost one atomic add per packet, with no
// allocation.
package metrics

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

const namespace = "samvad"

// NewRegistry is a fresh registry with the Go runtime's collector
// (go_goroutines, go_memstats_*) and the process collector
// (process_resident_memory_bytes, process_cpu_seconds_total, ...).
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return reg
}

// Handler serves the registry in the Prometheus text format.
func Handler(g prometheus.Gatherer) http.Handler {
	return promhttp.HandlerFor(g, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// GaugeFunc registers a gauge whose value f computes at every scrape.
func GaugeFunc(reg prometheus.Registerer, name, help string, f func() float64) {
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: namespace, Name: name, Help: help}, f))
}

func counterVec(reg prometheus.Registerer, name, help string, labels ...string) *prometheus.CounterVec {
	v := prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: name, Help: help}, labels)
	reg.MustRegister(v)
	return v
}

func counter(reg prometheus.Registerer, name, help string) prometheus.Counter {
	c := prometheus.NewCounter(prometheus.CounterOpts{Namespace: namespace, Name: name, Help: help})
	reg.MustRegister(c)
	return c
}

func gauge(reg prometheus.Registerer, name, help string) prometheus.Gauge {
	g := prometheus.NewGauge(prometheus.GaugeOpts{Namespace: namespace, Name: name, Help: help})
	reg.MustRegister(g)
	return g
}

// Relay is the media relay's counters.
type Relay struct {
	received, receivedBytes   *prometheus.CounterVec
	forwarded, forwardedBytes *prometheus.CounterVec
	sources                   prometheus.Gauge
}

// NewRelay registers the relay's metrics.
func NewRelay(reg prometheus.Registerer) *Relay {
	return &Relay{
		received:       counterVec(reg, "relay_packets_received_total", "RTP packets received from a room's microphone.", "room"),
		receivedBytes:  counterVec(reg, "relay_bytes_received_total", "RTP payload bytes received from a room's microphone.", "room"),
		forwarded:      counterVec(reg, "relay_packets_forwarded_total", "RTP packets of a room forwarded, one per listener (rooms and recorders) that got it.", "room"),
		forwardedBytes: counterVec(reg, "relay_bytes_forwarded_total", "RTP payload bytes of a room forwarded, summed over listeners.", "room"),
		sources:        gauge(reg, "relay_sources", "Room microphones being forwarded now."),
	}
}

// RelaySource counts one room connection's microphone.
type RelaySource struct {
	m                         *Relay
	received, receivedBytes   prometheus.Counter
	forwarded, forwardedBytes prometheus.Counter
}

// Source starts counting a room's microphone; End when it ends.
func (m *Relay) Source(room string) *RelaySource {
	if m == nil {
		return nil
	}
	m.sources.Inc()
	return &RelaySource{
		m:              m,
		received:       m.received.WithLabelValues(room),
		receivedBytes:  m.receivedBytes.WithLabelValues(room),
		forwarded:      m.forwarded.WithLabelValues(room),
		forwardedBytes: m.forwardedBytes.WithLabelValues(room),
	}
}

// Packet counts one packet of payload bytes received and written to copies
// listeners.
func (s *RelaySource) Packet(bytes, copies int) {
	if s == nil {
		return
	}
	s.received.Inc()
	s.receivedBytes.Add(float64(bytes))
	if copies > 0 {
		s.forwarded.Add(float64(copies))
		s.forwardedBytes.Add(float64(bytes * copies))
	}
}

// End says the microphone is gone.
func (s *RelaySource) End() {
	if s != nil {
		s.m.sources.Dec()
	}
}

// Signaling is the signalling server's counters.
type Signaling struct {
	joins    *prometheus.CounterVec
	refused  *prometheus.CounterVec
	presence *prometheus.CounterVec
}

// NewSignaling registers the signalling server's metrics.
func NewSignaling(reg prometheus.Registerer) *Signaling {
	return &Signaling{
		joins:    counterVec(reg, "signaling_joins_total", "Joins admitted, by role (room, recorder, staff).", "role"),
		refused:  counterVec(reg, "signaling_joins_refused_total", "Joins refused, by error code.", "code"),
		presence: counterVec(reg, "signaling_presence_events_total", "Presence events, by event: joined, left, dropped, replaced (a room that reconnected over its old connection), muted, unmuted.", "event"),
	}
}

// Join counts an admitted join.
func (m *Signaling) Join(role string) {
	if m != nil {
		m.joins.WithLabelValues(role).Inc()
	}
}

// Refused counts a refused join.
func (m *Signaling) Refused(code string) {
	if m != nil {
		m.refused.WithLabelValues(code).Inc()
	}
}

// Presence counts a presence event.
func (m *Signaling) Presence(event string) {
	if m != nil {
		m.presence.WithLabelValues(event).Inc()
	}
}

// Bot is the recorder bot's counters.
type Bot struct {
	received, receivedBytes *prometheus.CounterVec
	written, writtenBytes   *prometheus.CounterVec
	concealed, silence      *prometheus.CounterVec
	dropped                 *prometheus.CounterVec
	segments                *prometheus.CounterVec
	tracks                  prometheus.Gauge
	reconnects              prometheus.Counter
	writeErrors             prometheus.Counter
}

// NewBot registers the bot's metrics.
func NewBot(reg prometheus.Registerer) *Bot {
	return &Bot{
		received:      counterVec(reg, "bot_packets_received_total", "RTP packets of a room that reached the recorder.", "room"),
		receivedBytes: counterVec(reg, "bot_bytes_received_total", "RTP payload bytes of a room that reached the recorder.", "room"),
		written:       counterVec(reg, "bot_packets_written_total", "Received Opus packets written to a room's segments.", "room"),
		writtenBytes:  counterVec(reg, "bot_bytes_written_total", "Opus bytes of received packets written to a room's segments.", "room"),
		concealed:     counterVec(reg, "bot_frames_concealed_total", "Gaps filled: concealment frames written for lost packets.", "room"),
		silence:       counterVec(reg, "bot_silence_frames_total", "Silence frames written for DTX, mutes, pauses and long losses.", "room"),
		dropped: counterVec(reg, "bot_packets_dropped_total",
			"Packets that reached the recorder but not the file, by reason: late (after their time was written), invalid, duplicate, padding.", "room", "reason"),
		segments:    counterVec(reg, "bot_segments_opened_total", "Segments opened: one per connection of a room.", "room"),
		tracks:      gauge(reg, "bot_tracks_recording", "Room connections being recorded now."),
		reconnects:  counter(reg, "bot_reconnects_total", "Times the bot rejoined the meeting after losing it."),
		writeErrors: counter(reg, "bot_write_errors_total", "Segment, event log or mix write errors."),
	}
}

// Reconnected counts a rejoin.
func (m *Bot) Reconnected() {
	if m != nil {
		m.reconnects.Inc()
	}
}

// WriteError counts a write error.
func (m *Bot) WriteError() {
	if m != nil {
		m.writeErrors.Inc()
	}
}

// BotRoom counts one recorded connection of a room. It is used by the one
// goroutine that records the connection: the per-packet and per-frame counts
// gather in plain fields and reach the shared counters at Flush (which
// Dropped and End call), so a packet costs no atomic operations.
type BotRoom struct {
	pend struct{ received, receivedBytes, written, writtenBytes, concealed, silence int64 }

	m                       *Bot
	received, receivedBytes prometheus.Counter
	written, writtenBytes   prometheus.Counter
	concealed, silence      prometheus.Counter
	late, invalid           prometheus.Counter
	duplicate, padding      prometheus.Counter
	drift, filler           prometheus.Counter
	segments                prometheus.Counter
	last                    Drops
}

// Room starts counting a connection of a room; End when it ends.
func (m *Bot) Room(room string) *BotRoom {
	if m == nil {
		return nil
	}
	m.tracks.Inc()
	return &BotRoom{
		m:             m,
		received:      m.received.WithLabelValues(room),
		receivedBytes: m.receivedBytes.WithLabelValues(room),
		written:       m.written.WithLabelValues(room),
		writtenBytes:  m.writtenBytes.WithLabelValues(room),
		concealed:     m.concealed.WithLabelValues(room),
		silence:       m.silence.WithLabelValues(room),
		late:          m.dropped.WithLabelValues(room, "late"),
		invalid:       m.dropped.WithLabelValues(room, "invalid"),
		duplicate:     m.dropped.WithLabelValues(room, "duplicate"),
		padding:       m.dropped.WithLabelValues(room, "padding"),
		drift:         m.dropped.WithLabelValues(room, "drift"),
		filler:        m.dropped.WithLabelValues(room, "filler"),
		segments:      m.segments.WithLabelValues(room),
	}
}

// Packet counts a packet of payload bytes received.
func (r *BotRoom) Packet(bytes int) {
	if r != nil {
		r.pend.received++
		r.pend.receivedBytes += int64(bytes)
	}
}

// Written counts a received packet of bytes written to the segment.
func (r *BotRoom) Written(bytes int) {
	if r != nil {
		r.pend.written++
		r.pend.writtenBytes += int64(bytes)
	}
}

// Concealed counts a concealment frame written for a lost packet.
func (r *BotRoom) Concealed() {
	if r != nil {
		r.pend.concealed++
	}
}

// Silence counts a silence frame written.
func (r *BotRoom) Silence() {
	if r != nil {
		r.pend.silence++
	}
}

// Flush adds what Packet, Written, Concealed and Silence counted to the
// shared counters.
func (r *BotRoom) Flush() {
	if r == nil {
		return
	}
	p := &r.pend
	for _, c := range []struct {
		c prometheus.Counter
		n *int64
	}{{r.received, &p.received}, {r.receivedBytes, &p.receivedBytes}, {r.written, &p.written},
		{r.writtenBytes, &p.writtenBytes}, {r.concealed, &p.concealed}, {r.silence, &p.silence}} {
		if *c.n > 0 {
			c.c.Add(float64(*c.n))
			*c.n = 0
		}
	}
}

// SegmentOpened counts a segment.
func (r *BotRoom) SegmentOpened() {
	if r != nil {
		r.segments.Inc()
	}
}

// Drops are a segment's running totals of dropped packets.
type Drops struct{ Late, Invalid, Duplicate, Padding, Drift, Filler int64 }

// Dropped brings the drop counters up to a segment's running totals, and
// flushes the others.
func (r *BotRoom) Dropped(d Drops) {
	if r == nil {
		return
	}
	r.Flush()
	add := func(c prometheus.Counter, now, before int64) {
		if now > before {
			c.Add(float64(now - before))
		}
	}
	add(r.late, d.Late, r.last.Late)
	add(r.invalid, d.Invalid, r.last.Invalid)
	add(r.duplicate, d.Duplicate, r.last.Duplicate)
	add(r.padding, d.Padding, r.last.Padding)
	add(r.drift, d.Drift, r.last.Drift)
	add(r.filler, d.Filler, r.last.Filler)
	r.last = d
}

// End says the connection is no longer recorded.
func (r *BotRoom) End() {
	if r != nil {
		r.Flush()
		r.m.tracks.Dec()
	}
}

// CounterFunc registers a counter whose value f computes at every scrape.
func CounterFunc(reg prometheus.Registerer, name, help string, f func() float64) {
	reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Namespace: namespace, Name: name, Help: help}, f))
}
