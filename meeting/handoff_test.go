package meeting

import (
	"errors"
	"strings"
	"testing"
)

// withRecording is the good file with a recording section (and an
// optional secretary token) in place of the defaults.
func withRecording(recording string) string {
	return strings.Replace(good, "rooms:\n", recording+"rooms:\n", 1)
}

func TestOnFinishedLoads(t *testing.T) {
	t.Setenv("SAMVAD_TEST_S3_SECRET", "s3-secret")
	f, err := Parse("h.yaml", []byte(withRecording(`recording:
  dir: recs
  on_finished:
    command: [sh, -c, 'echo "$0"']
    webhook: {url: "https://minutes.example.org/samvad", secret: {plain: hook}}
    s3:
      endpoint: http://127.0.0.1:7070
      bucket: jmm-minutes
      prefix: jmm/2023
      access_key: AKIA1
      secret_key: {env: SAMVAD_TEST_S3_SECRET}
      region: ap-south-1
secretary_token: {plain: sec}
`)))
	if err != nil {
		t.Fatal(err)
	}
	o := f.Recording.OnFinished
	if !o.Any() || len(o.Command) != 3 || o.Command[0] != "sh" {
		t.Errorf("command = %q", o.Command)
	}
	if s, ok := o.Webhook.Secret.Secret(); !ok || s != "hook" || o.Webhook.URL != "https://minutes.example.org/samvad" {
		t.Errorf("webhook = %+v", o.Webhook)
	}
	s3 := o.S3
	if s3.Prefix != "jmm/2023/" {
		t.Errorf("prefix = %q, want a trailing slash added", s3.Prefix)
	}
	if host, secure := s3.S3Endpoint(); host != "127.0.0.1:7070" || secure {
		t.Errorf("endpoint = %s secure=%v", host, secure)
	}
	if k, _ := s3.SecretKey.Secret(); k != "s3-secret" {
		t.Errorf("secret key not read from the environment")
	}
	if strings.Contains(s3.String(), "s3-secret") || strings.Contains(s3.String(), "AKIA1") {
		t.Errorf("S3.String shows a key: %s", s3)
	}
	if !f.SecretaryToken.Match("sec") || f.SecretaryToken.Match("staff") {
		t.Error("secretary_token does not match its secret")
	}

	plain, err := Parse("none.yaml", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if plain.Recording.OnFinished.Any() || plain.SecretaryToken.IsSet() {
		t.Error("a file without on_finished or secretary_token has them")
	}
	if host, secure := (S3{Endpoint: "s3.ap-south-1.amazonaws.com"}).S3Endpoint(); host != "s3.ap-south-1.amazonaws.com" || !secure {
		t.Errorf("a bare host is %s secure=%v, want https", host, secure)
	}
}

func TestOnFinishedRefused(t *testing.T) {
	for _, tc := range []struct {
		name, section, want string
	}{
		{"empty command", "recording:\n  on_finished:\n    command: []\n",
			"recording.on_finished.command: empty"},
		{"missing program", "recording:\n  on_finished:\n    command: [/no/such/samvad-hook]\n",
			`:12: recording.on_finished.command[0]: "/no/such/samvad-hook": not an executable program here`},
		{"webhook without url", "recording:\n  on_finished:\n    webhook: {secret: {plain: x}}\n",
			"recording.on_finished.webhook.url: missing"},
		{"webhook ftp", "recording:\n  on_finished:\n    webhook: {url: ftp://x/y, secret: {plain: x}}\n",
			`recording.on_finished.webhook.url: "ftp://x/y": want http(s)`},
		{"webhook credentials", "recording:\n  on_finished:\n    webhook: {url: 'https://u:p@x/y', secret: {plain: x}}\n",
			"recording.on_finished.webhook.url: has a user name or password"},
		{"webhook hashed secret", "recording:\n  on_finished:\n    webhook: {url: https://x/y, secret: {sha256: " + strings.Repeat("ab", 32) + "}}\n",
			"recording.on_finished.webhook.secret: a hash cannot sign"},
		{"webhook no secret", "recording:\n  on_finished:\n    webhook: {url: https://x/y}\n",
			"recording.on_finished.webhook.secret: missing"},
		{"webhook secret unset env", "recording:\n  on_finished:\n    webhook: {url: https://x/y, secret: {env: SAMVAD_TEST_UNSET_HOOK}}\n",
			"recording.on_finished.webhook.secret.env: environment variable SAMVAD_TEST_UNSET_HOOK is not set"},
		{"webhook secret is the staff token", "recording:\n  on_finished:\n    webhook: {url: https://x/y, secret: {plain: staff}}\n",
			"recording.on_finished.webhook.secret: same as staff_token"},
		{"s3 bucket", "recording:\n  on_finished:\n    s3: {endpoint: http://h:1, bucket: Minutes_2023, access_key: a, secret_key: {plain: s}}\n",
			`:12: recording.on_finished.s3.bucket: "Minutes_2023"`},
		{"s3 endpoint path", "recording:\n  on_finished:\n    s3: {endpoint: http://h:1/minutes, bucket: minutes, access_key: a, secret_key: {plain: s}}\n",
			"recording.on_finished.s3.endpoint: \"http://h:1/minutes\": want http(s)://host[:port], nothing after the host"},
		{"s3 prefix dots", "recording:\n  on_finished:\n    s3: {endpoint: h:1, bucket: minutes, prefix: a/../b, access_key: a, secret_key: {plain: s}}\n",
			"recording.on_finished.s3.prefix"},
		{"s3 prefix absolute", "recording:\n  on_finished:\n    s3: {endpoint: h:1, bucket: minutes, prefix: /a, access_key: a, secret_key: {plain: s}}\n",
			"recording.on_finished.s3.prefix"},
		{"s3 no access key", "recording:\n  on_finished:\n    s3: {endpoint: h:1, bucket: minutes, secret_key: {plain: s}}\n",
			"recording.on_finished.s3.access_key: missing"},
		{"s3 no secret", "recording:\n  on_finished:\n    s3: {endpoint: h:1, bucket: minutes, access_key: a}\n",
			"recording.on_finished.s3.secret_key: missing"},
		{"s3 secret is a room's token", "recording:\n  on_finished:\n    s3: {endpoint: h:1, bucket: minutes, access_key: a, secret_key: {plain: h}}\n",
			"recording.on_finished.s3.secret_key: same as rooms[0].token"},
		{"unknown field", "recording:\n  on_finished:\n    email: {to: x}\n",
			"recording.on_finished.email: unknown field (known here: command, s3, webhook)"},
		{"secretary is the staff token", "secretary_token: {plain: staff}\n",
			"secretary_token: same as staff_token"},
		{"secretary is a room's token", "secretary_token: {plain: h}\n",
			"rooms[0].token: same as secretary_token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("bad.yaml", []byte(withRecording(tc.section)))
			if err == nil {
				t.Fatalf("accepted; want %q", tc.want)
			}
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error:\n%v\nwant it to contain %q", err, tc.want)
			}
		})
	}
}
