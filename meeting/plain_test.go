package meeting

import "testing"

func TestPlainToken(t *testing.T) {
	tok := PlainToken("s3cret")
	if !tok.Match("s3cret") || tok.Match("other") || tok.Match("") {
		t.Error("PlainToken matches the wrong secrets")
	}
	if s, ok := tok.Secret(); !ok || s != "s3cret" {
		t.Errorf("Secret() = %q, %v", s, ok)
	}
	if y, _ := tok.MarshalYAML(); y.(map[string]string)["sha256"] != Hash("s3cret") {
		t.Errorf("snapshot %v: want only the hash", y)
	}
	if tok.String() == "s3cret" {
		t.Error("String shows the secret")
	}
}
