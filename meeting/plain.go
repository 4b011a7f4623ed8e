package meeting

import "crypto/sha256"

// PlainToken is a token whose secret is known, as {plain: TEXT} gives it. A
// program that runs a meeting in memory with secrets of its own (`samvad
// demo` over a file whose tokens are hashes nobody holds) makes its tokens
// with it; it bypasses the file's rule that only demo meetings may use plain
// tokens, so it is for in-process use only.
func PlainToken(secret string) Token {
	return Token{Form: "plain", secret: secret, digest: sha256.Sum256([]byte(secret))}
}
