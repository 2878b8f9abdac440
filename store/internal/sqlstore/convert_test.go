package sqlstore

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestMillis(t *testing.T) {
	tests := []struct {
		name string
		in   time.Time
		want time.Time
	}{
		{"UTC", time.UnixMilli(1_717_171_717_171).UTC(), time.UnixMilli(1_717_171_717_171).UTC()},
		{"other zone reads back as UTC", time.UnixMilli(1_717_171_717_171).In(time.FixedZone("X", 3600)), time.UnixMilli(1_717_171_717_171).UTC()},
		{"sub-millisecond part dropped", time.Unix(1, 999_999), time.UnixMilli(1000).UTC()},
		{"before the epoch", time.UnixMilli(-5).UTC(), time.UnixMilli(-5).UTC()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := fromMillis(millis(tt.in))
			if got != tt.want {
				t.Errorf("fromMillis(millis(%v)) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestNullMillis(t *testing.T) {
	if got := nullMillis(time.Time{}); got != nil {
		t.Errorf("nullMillis(zero) = %d, want nil", *got)
	}
	if got := fromNullMillis(nil); !got.IsZero() {
		t.Errorf("fromNullMillis(nil) = %v, want the zero time", got)
	}
	epoch := time.UnixMilli(0).UTC()
	if got := fromNullMillis(nullMillis(epoch)); got != epoch {
		t.Errorf("the epoch read back as %v: it is a time, not none", got)
	}
}

func TestObjectJSON(t *testing.T) {
	tests := []struct {
		name     string
		in       map[string]any
		stored   string
		readBack map[string]any
	}{
		{"nil is {}", nil, "{}", nil},
		{"empty is {}", map[string]any{}, "{}", nil},
		{"values", map[string]any{"a": 1.0, "b": []any{"x"}}, `{"a":1,"b":["x"]}`, map[string]any{"a": 1.0, "b": []any{"x"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := objectJSON(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if s != tt.stored {
				t.Errorf("objectJSON = %s, want %s", s, tt.stored)
			}
			got, err := fromObjectJSON(s)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.readBack, got); d != "" {
				t.Errorf("fromObjectJSON (-want +got):\n%s", d)
			}
		})
	}
}

func TestNullObjectJSON(t *testing.T) {
	tests := []struct {
		name string
		in   map[string]any
	}{
		{"nil stays absent", nil},
		{"empty stays empty", map[string]any{}},
		{"values", map[string]any{"k": "v"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := nullObjectJSON(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			got, err := fromNullObjectJSON(s)
			if err != nil {
				t.Fatal(err)
			}
			if (got == nil) != (tt.in == nil) || !cmp.Equal(tt.in, got) {
				t.Errorf("round trip of %#v = %#v", tt.in, got)
			}
		})
	}
}
