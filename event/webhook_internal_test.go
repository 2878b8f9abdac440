package event

import (
	"testing"
	"time"
)

// Logto's published vectors (packages/core/src/utils/sign.test.ts): the
// header value Logto sends for a body, keyed with "foo".
func TestLogtoSignatureVectors(t *testing.T) {
	tests := []struct {
		body, want string
	}{
		{`{"bar":"bar","foo":"foo"}`, "sha256=436958f1dbfefab37712fb3927760490fbf7757da8c0b2306ee7b485f0360eee"},
		{`{}`, "sha256=c76356efa19d219d1d7e08ccb20b1d26db53b143156f406c99dcb8e0876d6c55"},
	}
	for _, tt := range tests {
		if got := logtoSignature([]byte("foo"), []byte(tt.body)); got != tt.want {
			t.Errorf("logtoSignature(%s) = %s, want %s", tt.body, got, tt.want)
		}
	}
}

// The default schedule's values (a pure function; nothing here waits):
// each wait lies in [d/2, d] for d = 1s·2^(n-1), capped at 30s.
func TestDefaultBackoffSchedule(t *testing.T) {
	for n := 1; n <= 64; n++ {
		d := 30 * time.Second
		if n <= 5 {
			d = time.Second << (n - 1)
		}
		for range 100 {
			if got := defaultBackoff(n); got < d/2 || got > d {
				t.Fatalf("defaultBackoff(%d) = %v, want within [%v, %v]", n, got, d/2, d)
			}
		}
	}
}
