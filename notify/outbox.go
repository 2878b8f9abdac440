package notify

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
)

// OutboxConfig configures [NewOutbox].
type OutboxConfig struct {
	// Path is the file messages are appended to; required. It is created
	// with mode 0600 when missing; an existing file keeps its mode.
	Path string
}

// Outbox is a [Notifier] that appends each message to a file as one JSON
// line in the wire format (see [Message.MarshalJSON]). It is meant for
// development and end-to-end tests, which read codes back from the file: it
// writes codes in clear.
//
// Each Notify opens the file with O_APPEND, writes the line in one write
// call and closes it, under a mutex: lines from one process never
// interleave, and a test may truncate or delete the file between messages.
type Outbox struct {
	path string
	mu   sync.Mutex
}

var _ Notifier = (*Outbox)(nil)

// NewOutbox returns an Outbox writing to cfg.Path. It creates the file (mode
// 0600) if missing, so that a path that cannot be written fails here.
func NewOutbox(cfg OutboxConfig) (*Outbox, error) {
	if cfg.Path == "" {
		return nil, errors.New("notify: outbox: Path is required")
	}
	f, err := openOutbox(cfg.Path)
	if err != nil {
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("notify: outbox: %w", err)
	}
	return &Outbox{path: cfg.Path}, nil
}

func openOutbox(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("notify: outbox: %w", err)
	}
	return f, nil
}

// Notify appends m as one JSON line. The context is not consulted: a local
// append does not block for long.
func (o *Outbox) Notify(_ context.Context, m Message) error {
	if err := m.check(); err != nil {
		return err
	}
	line, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("notify: outbox: encode: %w", err)
	}
	line = append(line, '\n')

	o.mu.Lock()
	defer o.mu.Unlock()
	f, err := openOutbox(o.path)
	if err != nil {
		return err
	}
	_, werr := f.Write(line)
	cerr := f.Close()
	if err := errors.Join(werr, cerr); err != nil {
		return fmt.Errorf("notify: outbox: %w", err)
	}
	return nil
}

// ReadOutbox parses outbox lines, in order. Blank lines are skipped; a line
// that is not a JSON object fails with its line number.
func ReadOutbox(r io.Reader) ([]Message, error) {
	var out []Message
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for n := 1; sc.Scan(); n++ {
		b := sc.Bytes()
		if len(bytes.TrimSpace(b)) == 0 {
			continue
		}
		var m Message
		if err := json.Unmarshal(b, &m); err != nil {
			return out, fmt.Errorf("notify: outbox line %d: %w", n, err)
		}
		out = append(out, m)
	}
	if err := sc.Err(); err != nil {
		return out, fmt.Errorf("notify: outbox: %w", err)
	}
	return out, nil
}
