package meeting

import (
	"fmt"
	"net/url"
	"os/exec"
	"regexp"
	"strings"
)

// OnFinished is recording.on_finished: what happens to a recording folder
// once its minutes are built. Each part is optional and independent of the
// others; none of them ever changes or deletes the folder.
type OnFinished struct {
	// Command is run with the folder's path as its last argument.
	Command []string `yaml:"command"`
	// Webhook is told, in a signed POST, that the folder is ready.
	Webhook *Webhook `yaml:"webhook"`
	// S3 receives a copy of the folder.
	S3 *S3 `yaml:"s3"`
}

// Any reports whether the file asks for any hand-off at all.
func (o OnFinished) Any() bool { return len(o.Command) > 0 || o.Webhook != nil || o.S3 != nil }

// Webhook is an HTTP(S) endpoint that receives the folder's summary.
type Webhook struct {
	URL string `yaml:"url"`
	// Secret keys the X-Samvad-Signature HMAC. It must be known to sign
	// with: {env: NAME}, or {plain: TEXT} in demo files.
	Secret Token `yaml:"secret"`
}

// S3 is a bucket of an S3-compatible store that receives a copy of every
// folder.
type S3 struct {
	// Endpoint is http(s)://host[:port], or host[:port] for https.
	Endpoint string `yaml:"endpoint"`
	Bucket   string `yaml:"bucket"`
	// Prefix is put before the folder's name in every key ("jmm/" gives
	// jmm/2023-11-21-jmm-2023-11-21/mix.ogg). Empty: the bucket's top.
	Prefix    string `yaml:"prefix"`
	AccessKey string `yaml:"access_key"`
	// SecretKey signs the requests: {env: NAME}, or {plain: TEXT} in demo
	// files.
	SecretKey Token  `yaml:"secret_key"`
	Region    string `yaml:"region"`
}

// S3Endpoint splits Endpoint into minio-go's host[:port] and whether it
// speaks TLS.
func (s S3) S3Endpoint() (host string, secure bool) {
	if u, err := url.Parse(s.Endpoint); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
		return u.Host, u.Scheme == "https"
	}
	return s.Endpoint, true
}

// String names the bucket for logs: never a key.
func (s S3) String() string {
	host, secure := s.S3Endpoint()
	scheme := "http"
	if secure {
		scheme = "https"
	}
	return fmt.Sprintf("s3 %s://%s/%s/%s", scheme, host, s.Bucket, s.Prefix)
}

// bucketPattern is S3's rule for bucket names (3-63 characters of
// lower-case letters, digits, dots and hyphens, starting and ending with a
// letter or digit).
var bucketPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)

// prefixPattern keeps keys plain: no spaces, no backslashes, nothing a
// store or a shell would read twice.
var prefixPattern = regexp.MustCompile(`^[A-Za-z0-9._/-]*$`)

func (f *File) validateOnFinished(bad func(path, format string, args ...any)) {
	o := &f.Recording.OnFinished
	const p = "recording.on_finished"
	if o.Command != nil {
		switch {
		case len(o.Command) == 0 || strings.TrimSpace(o.Command[0]) == "":
			bad(p+".command", "empty: want the program and its arguments, like [/usr/local/bin/copy-minutes, --to, /srv/share]")
		default:
			if _, err := exec.LookPath(o.Command[0]); err != nil {
				bad(p+".command[0]", "%q: not an executable program here: %v", o.Command[0], cleanExecError(err))
			}
		}
	}
	if w := o.Webhook; w != nil {
		u, err := url.Parse(w.URL)
		switch {
		case w.URL == "":
			bad(p+".webhook.url", "missing: want the receiver's http(s) URL")
		case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
			bad(p+".webhook.url", "%q: want http(s)://host[:port]/path", w.URL)
		case u.User != nil:
			// Credentials in a URL end up in logs; the secret signs instead.
			bad(p+".webhook.url", "has a user name or password: remove it, the secret signs every request")
		}
		f.signingSecret(w.Secret, p+".webhook.secret", bad)
	}
	if s := o.S3; s != nil {
		switch u, err := url.Parse(s.Endpoint); {
		case s.Endpoint == "":
			bad(p+".s3.endpoint", "missing: want the store's URL, like https://s3.ap-south-1.amazonaws.com or http://127.0.0.1:7070")
		case strings.Contains(s.Endpoint, "://") && (err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
			u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != ""):
			bad(p+".s3.endpoint", "%q: want http(s)://host[:port], nothing after the host (the bucket has its own field)", s.Endpoint)
		case !strings.Contains(s.Endpoint, "://") && strings.ContainsAny(s.Endpoint, "/@?# "):
			bad(p+".s3.endpoint", "%q: want host[:port] or http(s)://host[:port]", s.Endpoint)
		}
		if !bucketPattern.MatchString(s.Bucket) || strings.Contains(s.Bucket, "..") {
			bad(p+".s3.bucket", "%q: want 3-63 of a-z, 0-9, '.' and '-', starting and ending with a letter or digit", s.Bucket)
		}
		switch {
		case !prefixPattern.MatchString(s.Prefix):
			bad(p+".s3.prefix", "%q: want letters, digits, '.', '_', '-' and '/' only", s.Prefix)
		case strings.HasPrefix(s.Prefix, "/") || strings.Contains(s.Prefix, "//") || hasDotSegment(s.Prefix):
			bad(p+".s3.prefix", "%q: want a relative key prefix like jmm/2023/, without empty, '.' or '..' parts", s.Prefix)
		case s.Prefix != "" && !strings.HasSuffix(s.Prefix, "/"):
			s.Prefix += "/"
		}
		if s.AccessKey == "" || strings.ContainsAny(s.AccessKey, " \t\r\n") {
			bad(p+".s3.access_key", "missing or has spaces: want the store's access key id")
		}
		f.signingSecret(s.SecretKey, p+".s3.secret_key", bad)
		if strings.ContainsAny(s.Region, " \t\r\n/") {
			bad(p+".s3.region", "%q: want a region name like ap-south-1, or nothing", s.Region)
		}
	}
}

// handoffSecretsOwn refuses a hand-off secret that is also a meeting
// token: the webhook's receiver or the store's operator would hold a key to
// the meeting.
func (f *File) handoffSecretsOwn(tokens map[[32]byte]string, bad func(string, string, ...any)) {
	o := f.Recording.OnFinished
	check := func(t Token, path string) {
		if !t.IsSet() || t.envMissing {
			return
		}
		if other, ok := tokens[t.digest]; ok {
			bad(path, "same as %s: whoever receives the hand-off would hold that token", other)
		}
	}
	if o.Webhook != nil {
		check(o.Webhook.Secret, "recording.on_finished.webhook.secret")
	}
	if o.S3 != nil {
		check(o.S3.SecretKey, "recording.on_finished.s3.secret_key")
	}
}

// signingSecret checks a secret samvad signs with, so it must know it: a
// hash will not do.
func (f *File) signingSecret(t Token, path string, bad func(string, string, ...any)) {
	if t.Form == "sha256" {
		bad(path, "a hash cannot sign: give {env: NAME} (or {plain: TEXT} in a demo file)")
		return
	}
	f.checkToken(t, path, bad)
}

func hasDotSegment(prefix string) bool {
	for _, part := range strings.Split(strings.TrimSuffix(prefix, "/"), "/") {
		if part == "." || part == ".." {
			return true
		}
	}
	return false
}

// cleanExecError drops exec's repetition of the program's name.
func cleanExecError(err error) string {
	if e, ok := err.(*exec.Error); ok {
		return e.Err.Error()
	}
	return err.Error()
}
