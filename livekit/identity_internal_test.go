package livekit

import (
	"testing"

	"github.com/samvad/samvad/meeting"
)

func testFile(t *testing.T) *meeting.File {
	t.Helper()
	f, err := meeting.Parse("t.yaml", []byte(`
meeting: {id: t, title: T, starts_at: 2023-11-21T14:00:00+05:30, demo: true}
recorder_token: {plain: r}
staff_token: {plain: s}
media: {engine: livekit, livekit: {url: "ws://127.0.0.1:1", api_key: k, api_secret: {plain: secret}}}
rooms:
  - {id: dumka, kind: district, name: Dumka, token: {plain: d}}
`))
	if err != nil {
		t.Fatal(err)
	}
	return f
}
