// Package pwned checks passwords against Have I Been Pwned's Pwned Passwords
// range API, for the password policy's "pwned" rule. It lives apart from
// package password so that hosts that do not use it — and the use cases that
// import password — do not pull in net/http.
package pwned

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/accountapi/accountapi/password"
)

// Checker is a [password.BreachChecker] for the range API of Have I Been
// Pwned's Pwned Passwords service, or of a server that mirrors it.
//
// It uses the API's k-anonymity model: it sends only the first five hex
// digits of the password's SHA-1 and looks for the other 35 among the
// suffixes the service returns for that prefix, so neither the password nor
// its full hash leaves the process. It asks for padded responses
// (Add-Padding: true), so that the response size does not reveal the prefix
// either, and ignores the padding entries, whose count is 0.
//
// The zero value queries https://api.pwnedpasswords.com with
// a client with a 10-second timeout. It is safe for concurrent use.
type Checker struct {
	// Endpoint is the base URL of the API; requests go to
	// Endpoint + "/range/" + prefix. Default "https://api.pwnedpasswords.com".
	Endpoint string
	// Client sends the requests. Default: a client with a 10-second timeout.
	Client *http.Client
}

var _ password.BreachChecker = Checker{}

const (
	defaultEndpoint = "https://api.pwnedpasswords.com"
	// maxRangeResponse bounds how much of a response is read. A padded
	// response has 800 to 1,000 lines of about 40 bytes.
	maxRangeResponse = 1 << 20
)

// Breached reports whether the service counts password in at least one
// breach. Its errors never contain the URL, which holds the hash prefix.
func (c Checker) Breached(ctx context.Context, password string) (bool, error) {
	sum := sha1.Sum([]byte(password))
	digest := strings.ToUpper(hex.EncodeToString(sum[:]))
	prefix, suffix := digest[:5], digest[5:]

	endpoint := c.Endpoint
	if endpoint == "" {
		endpoint = defaultEndpoint
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(endpoint, "/")+"/range/"+prefix, nil)
	if err != nil {
		return false, errors.New("pwned passwords: invalid endpoint")
	}
	req.Header.Set("Add-Padding", "true")
	req.Header.Set("User-Agent", "github.com/accountapi/accountapi")

	client := c.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		// A *url.Error repeats the URL; keep only what went wrong.
		if ue, ok := errors.AsType[*url.Error](err); ok {
			err = ue.Err
		}
		return false, fmt.Errorf("pwned passwords: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return false, fmt.Errorf("pwned passwords: status %d", resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxRangeResponse+1))
	if err != nil {
		return false, fmt.Errorf("pwned passwords: reading the response: %w", err)
	}
	if len(body) > maxRangeResponse {
		return false, fmt.Errorf("pwned passwords: response larger than %d bytes", maxRangeResponse)
	}

	// Lines are "SUFFIX:COUNT", separated by CRLF.
	for line := range bytes.Lines(body) {
		hashSuffix, count, ok := strings.Cut(strings.TrimSpace(string(line)), ":")
		if !ok || !strings.EqualFold(hashSuffix, suffix) {
			continue
		}
		n, err := strconv.ParseUint(count, 10, 64)
		if err != nil {
			return false, errors.New("pwned passwords: malformed count in the response")
		}
		return n > 0, nil
	}
	return false, nil
}
