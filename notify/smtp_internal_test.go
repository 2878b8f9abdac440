package notify

import "testing"

func TestNewSMTPDefaults(t *testing.T) {
	tests := []struct {
		policy   TLSPolicy
		port     int
		wantPort int
	}{
		{TLSMandatory, 0, 587},
		{TLSOpportunistic, 0, 587},
		{TLSImplicit, 0, 465},
		{TLSNone, 0, 25},
		{TLSMandatory, 2525, 2525},
	}
	for _, tt := range tests {
		s, err := NewSMTP(SMTPConfig{Host: "smtp.example.com", From: "a@example.com", TLS: tt.policy, Port: tt.port})
		if err != nil {
			t.Fatalf("%v: %v", tt.policy, err)
		}
		if s.port != tt.wantPort {
			t.Errorf("%v, Port %d: port %d, want %d", tt.policy, tt.port, s.port, tt.wantPort)
		}
		if s.timeout == 0 || s.templates == nil || s.now == nil || s.rand == nil {
			t.Errorf("%v: a default is missing", tt.policy)
		}
		if s.tlsConfig.ServerName != "smtp.example.com" {
			t.Errorf("ServerName %q", s.tlsConfig.ServerName)
		}
	}
}
