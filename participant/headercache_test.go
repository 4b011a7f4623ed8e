package participant

import (
	"testing"

	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/report"
	"github.com/pion/rtp"
)

// Reading a packet through the receiver-report interceptor, as a track's
// Read does, allocates nothing with headerCache under it, and the reports
// still see every packet's header.
func TestHeaderCacheReadsWithoutAllocating(t *testing.T) {
	pkt := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 111, SSRC: 7, SequenceNumber: 1}, Payload: make([]byte, 80)}
	seq := uint16(1)
	network := interceptor.RTPReaderFunc(func(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
		pkt.SequenceNumber = seq
		seq++
		n, err := pkt.MarshalTo(b)
		return n, a, err
	})
	f, err := report.NewReceiverInterceptor()
	if err != nil {
		t.Fatal(err)
	}
	rr, err := f.NewInterceptor("")
	if err != nil {
		t.Fatal(err)
	}
	defer rr.Close()
	info := &interceptor.StreamInfo{SSRC: 7, ClockRate: 48000}
	reader := rr.BindRemoteStream(info, (&headerCache{}).BindRemoteStream(info, network))
	buf := make([]byte, 1500)
	var last uint16
	read := func() {
		_, a, err := reader.Read(buf, nil)
		if err != nil {
			t.Fatal(err)
		}
		h, err := a.GetRTPHeader(nil)
		if err != nil {
			t.Fatal(err)
		}
		last = h.SequenceNumber
	}
	read()
	if n := testing.AllocsPerRun(1000, read); n != 0 {
		t.Errorf("%v allocations per packet read, want 0", n)
	}
	if last != seq-1 {
		t.Errorf("the reports saw sequence number %d, want %d", last, seq-1)
	}

	// Without it: what pion's report interceptor costs by itself.
	plain := rr.BindRemoteStream(&interceptor.StreamInfo{SSRC: 8, ClockRate: 48000}, network)
	n := testing.AllocsPerRun(1000, func() { plain.Read(buf, nil) })
	t.Logf("receiver reports alone: %v allocations per packet", n)
}
