package participant

import (
	"fmt"

	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/report"
	"github.com/pion/rtp"
)

// headerCache sits under pion's receiver-report interceptor, closest to
// the network, and hands it each packet's RTP header parsed into one
// rtp.Header per stream, kept in one attributes map per stream. Without it
// the report interceptor makes a new attributes map and a new header for
// every packet read: two allocations per packet, which is most of what
// reading a track costs the garbage collector.
//
// The attributes a track's Read returns are therefore reused by the next
// Read of that track: nothing in samvad keeps them.
type headerCache struct{ interceptor.NoOp }

type headerCacheFactory struct{}

func (headerCacheFactory) NewInterceptor(string) (interceptor.Interceptor, error) {
	return &headerCache{}, nil
}

// BindRemoteStream parses each packet's header into the stream's one
// header. A track is read by one goroutine at a time, as pion requires.
func (*headerCache) BindRemoteStream(_ *interceptor.StreamInfo, reader interceptor.RTPReader) interceptor.RTPReader {
	var (
		attr   interceptor.Attributes
		header *rtp.Header
	)
	return interceptor.RTPReaderFunc(func(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
		n, got, err := reader.Read(b, a)
		if err != nil || got != nil {
			return n, got, err // attributes from below: leave them alone
		}
		if attr == nil {
			attr = interceptor.Attributes{}
			h, err := attr.GetRTPHeader(b[:n]) // caches h in attr
			if err != nil {
				attr = nil
				return 0, nil, err
			}
			header = h
			return n, attr, nil
		}
		if _, err := header.Unmarshal(b[:n]); err != nil {
			return 0, nil, err
		}
		return n, attr, nil
	})
}

// ReportInterceptors are the interceptors samvad's recorder uses on any
// pion connection: RTCP sender and receiver reports, read through the
// header cache (no allocation per packet), and nothing else: no NACK (a
// late retransmission is worse than concealment for audio), no TWCC or
// stats. The LiveKit engine hands them to LiveKit's SDK instead of its
// defaults.
func ReportInterceptors() ([]interceptor.Factory, error) {
	recv, err := report.NewReceiverInterceptor()
	if err != nil {
		return nil, fmt.Errorf("receiver reports: %w", err)
	}
	send, err := report.NewSenderInterceptor()
	if err != nil {
		return nil, fmt.Errorf("sender reports: %w", err)
	}
	return []interceptor.Factory{headerCacheFactory{}, recv, send}, nil
}
