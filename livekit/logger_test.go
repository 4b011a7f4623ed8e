package livekit

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

// The SDK logs its join attempts whole at debug level; no token may reach
// samvad's log even then.
func TestSDKLogHasNoToken(t *testing.T) {
	m, err := NewMinter(testFile(t))
	if err != nil {
		t.Fatal(err)
	}
	token, err := m.RecorderToken()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	log := sdkLogger(slog.New(slog.NewTextHandler(&out, &slog.HandlerOptions{Level: slog.LevelDebug})))
	type attempt struct{ URL, Token string }
	log.Infow("attempting join plan", "attempt", attempt{"ws://x", token}, "token", token)
	log.Debugw("connecting with "+token, "nested", map[string]string{"t": token})
	log.Errorw("failed", nil, "url", "ws://x?access_token="+token)
	got := out.String()
	if strings.Contains(got, token) || strings.Contains(got, strings.Split(token, ".")[1]) {
		t.Errorf("the log holds the token:\n%s", got)
	}
	if strings.Count(got, "[token]") < 5 {
		t.Errorf("tokens not marked as blanked:\n%s", got)
	}
	if !strings.Contains(got, "level=WARN msg=failed") || !strings.Contains(got, `level=DEBUG msg="attempting join plan"`) {
		t.Errorf("levels not quieted:\n%s", got)
	}
}
