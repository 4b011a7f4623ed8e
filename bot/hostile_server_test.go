package bot_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/samvad/samvad/bot"
	"github.com/samvad/samvad/internal/meetingtest"
	"github.com/samvad/samvad/recording"
)

// hostileServer answers the bot's join with welcome (raw JSON), then sends
// frames, and holds the connection until the test ends.
func hostileServer(t *testing.T, welcome string, frames ...string) string {
	t.Helper()
	up := websocket.Upgrader{}
	h := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		if _, _, err := ws.ReadMessage(); err != nil {
			return
		}
		ws.WriteMessage(websocket.TextMessage, []byte(welcome))
		for _, f := range frames {
			ws.WriteMessage(websocket.TextMessage, []byte(f))
		}
		for {
			if _, _, err := ws.ReadMessage(); err != nil {
				return
			}
		}
	}))
	t.Cleanup(h.Close)
	return "ws" + strings.TrimPrefix(h.URL, "http") + "/ws"
}

// TestHostileServerCannotSteerTheBot: the bot treats the server's welcome
// like anything else a peer sends. A welcome to another meeting, one whose
// meeting id is a path, or one without a meeting is refused for good and
// logged, and nothing is written anywhere; ids unsafe as file names in the
// roster and in presence are left out.
func TestHostileServerCannotSteerTheBot(t *testing.T) {
	for _, tc := range []struct {
		name, welcome string
	}{
		{"meeting id is a path", `{"type":"welcome","meeting":{"id":"x/../../escaped","title":"t","starts_at":"2023-11-21T14:00:00+05:30"},"roster":[]}`},
		{"another meeting", `{"type":"welcome","meeting":{"id":"other","title":"t","starts_at":"2023-11-21T14:00:00+05:30"},"roster":[]}`},
		{"no meeting", `{"type":"welcome","roster":[{"room":"ranchi","state":"connected"}]}`},
		{"meeting null", `{"type":"welcome","meeting":null}`},
		{"bad starts_at", `{"type":"welcome","meeting":{"id":"test","title":"t","starts_at":"yesterday"}}`},
		{"bad late_after", `{"type":"welcome","meeting":{"id":"test","title":"t","starts_at":"2023-11-21T14:00:00+05:30","late_after":"soon"}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			parent := t.TempDir()
			dir := filepath.Join(parent, "recordings")
			b := bot.New(bot.Config{URL: hostileServer(t, tc.welcome), Meeting: "test", Token: "x", Dir: dir, Logger: quiet()})
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			folder, err := b.Run(ctx)
			if !errors.Is(err, bot.ErrRefused) || !errors.Is(err, bot.ErrWrongMeeting) {
				t.Errorf("Run: %v; want a refusal (ErrRefused, ErrWrongMeeting)", err)
			}
			if folder != "" {
				t.Errorf("a folder was opened: %s", folder)
			}
			if entries, _ := os.ReadDir(parent); len(entries) > 0 {
				t.Errorf("the bot wrote %v beside its folder", entries)
			}
		})
	}

	t.Run("unsafe room ids", func(t *testing.T) {
		dir := t.TempDir()
		url := hostileServer(t,
			`{"type":"welcome","meeting":{"id":"test","title":"t","starts_at":"2023-11-21T14:00:00+05:30"},`+
				`"roster":[{"room":"ranchi","name":"Ranchi","kind":"district","state":"absent"},{"room":"../evil","name":"Evil","state":"connected"}]}`,
			`{"type":"presence","event":"joined","room":"../../evil2","session":"s","at":"2023-11-21T14:00:00.000+05:30"}`,
			`{"type":"presence","event":"joined","room":"ranchi","session":"s1","at":"2023-11-21T14:00:01.000+05:30"}`)
		b := bot.New(bot.Config{URL: url, Meeting: "test", Token: "x", Dir: dir, Logger: quiet()})
		stop := meetingtest.RunBot(t, b)
		<-b.Ready()
		time.Sleep(500 * time.Millisecond)
		folder := stop()
		man, err := recording.ReadManifest(folder)
		if err != nil {
			t.Fatal(err)
		}
		if len(man.Meeting.Rooms) != 1 || man.Meeting.Rooms[0].ID != "ranchi" {
			t.Errorf("meeting.json rooms %+v: want ranchi alone", man.Meeting.Rooms)
		}
		data, _ := os.ReadFile(filepath.Join(folder, recording.EventsFile))
		if strings.Contains(string(data), "evil") {
			t.Errorf("events.jsonl names an unsafe id:\n%s", data)
		}
		if !strings.Contains(string(data), `"event":"joined","room":"ranchi"`) {
			t.Errorf("events.jsonl lacks ranchi's join:\n%s", data)
		}
		filepath.WalkDir(filepath.Dir(dir), func(p string, _ os.DirEntry, _ error) error {
			if strings.Contains(p, "evil") {
				t.Errorf("a path was made from an unsafe id: %s", p)
			}
			return nil
		})
	})
}
