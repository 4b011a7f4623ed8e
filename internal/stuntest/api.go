package stuntest

import (
	"net"
	"testing"

	"github.com/pion/ice/v4"
	"github.com/pion/webrtc/v4"

	"github.com/samvad/samvad/media"
)

// LoopbackAPI is a pion API with samvad's media engine whose peers gather
// only IPv4 loopback candidates: the honest side of a hostile peer in the
// tests, which names the sinks itself.
func LoopbackAPI(t testing.TB) *webrtc.API {
	t.Helper()
	me, err := media.NewMediaEngine()
	if err != nil {
		t.Fatal(err)
	}
	se := webrtc.SettingEngine{}
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetIncludeLoopbackCandidate(true)
	se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	return webrtc.NewAPI(webrtc.WithMediaEngine(me), webrtc.WithSettingEngine(se))
}
