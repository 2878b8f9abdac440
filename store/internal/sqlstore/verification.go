package sqlstore

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/accountapi/accountapi/store"
)

// recordRow is a row of accountapi_verification_records. The members that
// UpdateVerificationRecord writes are one JSON document, data.
type recordRow struct {
	bun.BaseModel `bun:"table:accountapi_verification_records,alias:r"`

	ID        string `bun:"id,pk"`
	Type      string `bun:"type"`
	UserID    string `bun:"user_id,nullzero"`
	CreatedBy string `bun:"created_by,nullzero"`
	CreatedAt int64  `bun:"created_at"`
	ExpiresAt int64  `bun:"expires_at"`
	Version   int64  `bun:"version"`
	Data      string `bun:"data"`
}

// recordData is the JSON of recordRow.Data. Its names are this package's:
// they are a storage format, kept stable on their own.
type recordData struct {
	Verified     bool               `json:"verified,omitempty"`
	Identifier   *store.Identifier  `json:"identifier,omitempty"`
	TemplateType store.TemplateType `json:"templateType,omitempty"`
	Social       *socialData        `json:"social,omitempty"`
	WebAuthn     *webAuthnData      `json:"webAuthn,omitempty"`
	FactorID     string             `json:"factorId,omitempty"`
}

type socialData struct {
	ConnectorID string            `json:"connectorId"`
	Session     map[string]string `json:"session,omitempty"`
	UserInfo    *socialUserData   `json:"userInfo,omitempty"`
}

type socialUserData struct {
	ID      string         `json:"id"`
	Email   string         `json:"email,omitempty"`
	Phone   string         `json:"phone,omitempty"`
	Name    string         `json:"name,omitempty"`
	Avatar  string         `json:"avatar,omitempty"`
	RawData map[string]any `json:"rawData,omitempty"`
}

type webAuthnData struct {
	Challenge            string          `json:"challenge,omitempty"`
	RPID                 string          `json:"rpId"`
	UserHandle           []byte          `json:"userHandle,omitempty"`
	AllowedCredentialIDs [][]byte        `json:"allowedCredentialIds,omitempty"`
	UserVerification     string          `json:"userVerification,omitempty"`
	Credential           *credentialData `json:"credential,omitempty"`
}

type credentialData struct {
	RPID            string   `json:"rpId"`
	CredentialID    []byte   `json:"credentialId,omitempty"`
	PublicKey       []byte   `json:"publicKey,omitempty"`
	SignCount       uint32   `json:"signCount"`
	Transports      []string `json:"transports,omitempty"`
	AAGUID          []byte   `json:"aaguid,omitempty"`
	AttestationType string   `json:"attestationType,omitempty"`
	Agent           string   `json:"agent,omitempty"`
	Name            *string  `json:"name,omitempty"`
	BackupEligible  bool     `json:"backupEligible,omitempty"`
	BackupState     bool     `json:"backupState,omitempty"`
}

func newRecordData(r *store.VerificationRecord) recordData {
	d := recordData{
		Verified:     r.Verified,
		Identifier:   r.Identifier,
		TemplateType: r.TemplateType,
		FactorID:     r.FactorID,
	}
	if v := r.Social; v != nil {
		d.Social = &socialData{ConnectorID: v.ConnectorID, Session: v.Session}
		if u := v.UserInfo; u != nil {
			d.Social.UserInfo = &socialUserData{ID: u.ID, Email: u.Email, Phone: u.Phone, Name: u.Name, Avatar: u.Avatar, RawData: u.RawData}
		}
	}
	if v := r.WebAuthn; v != nil {
		d.WebAuthn = &webAuthnData{
			Challenge:            v.Challenge,
			RPID:                 v.RPID,
			UserHandle:           v.UserHandle,
			AllowedCredentialIDs: v.AllowedCredentialIDs,
			UserVerification:     v.UserVerification,
		}
		if c := v.Credential; c != nil {
			d.WebAuthn.Credential = &credentialData{
				RPID:            c.RPID,
				CredentialID:    c.CredentialID,
				PublicKey:       c.PublicKey,
				SignCount:       c.SignCount,
				Transports:      c.Transports,
				AAGUID:          c.AAGUID,
				AttestationType: c.AttestationType,
				Agent:           c.Agent,
				Name:            c.Name,
				BackupEligible:  c.BackupEligible,
				BackupState:     c.BackupState,
			}
		}
	}
	return d
}

func (d *recordData) apply(r *store.VerificationRecord) {
	r.Verified = d.Verified
	r.Identifier = d.Identifier
	r.TemplateType = d.TemplateType
	r.FactorID = d.FactorID
	r.Social, r.WebAuthn = nil, nil
	if v := d.Social; v != nil {
		r.Social = &store.SocialVerification{ConnectorID: v.ConnectorID, Session: v.Session}
		if u := v.UserInfo; u != nil {
			r.Social.UserInfo = &store.SocialUserInfo{ID: u.ID, Email: u.Email, Phone: u.Phone, Name: u.Name, Avatar: u.Avatar, RawData: u.RawData}
		}
	}
	if v := d.WebAuthn; v != nil {
		r.WebAuthn = &store.WebAuthnVerification{
			Challenge:            v.Challenge,
			RPID:                 v.RPID,
			UserHandle:           v.UserHandle,
			AllowedCredentialIDs: v.AllowedCredentialIDs,
			UserVerification:     v.UserVerification,
		}
		if c := v.Credential; c != nil {
			r.WebAuthn.Credential = &store.WebAuthnCredential{
				RPID:            c.RPID,
				CredentialID:    c.CredentialID,
				PublicKey:       c.PublicKey,
				SignCount:       c.SignCount,
				Transports:      c.Transports,
				AAGUID:          c.AAGUID,
				AttestationType: c.AttestationType,
				Agent:           c.Agent,
				Name:            c.Name,
				BackupEligible:  c.BackupEligible,
				BackupState:     c.BackupState,
			}
		}
	}
}

func (row *recordRow) record() (*store.VerificationRecord, error) {
	r := &store.VerificationRecord{
		ID:        row.ID,
		Type:      store.RecordType(row.Type),
		UserID:    row.UserID,
		CreatedBy: row.CreatedBy,
		CreatedAt: fromMillis(row.CreatedAt),
		ExpiresAt: fromMillis(row.ExpiresAt),
		Version:   row.Version,
	}
	var d recordData
	if err := fromJSON(row.Data, &d); err != nil {
		return nil, err
	}
	d.apply(r)
	return r, nil
}

// CreateVerificationRecord implements store.VerificationRecords.
func (s *Store) CreateVerificationRecord(ctx context.Context, r *store.VerificationRecord) error {
	const op = "create verification record"
	data, err := toJSON(newRecordData(r))
	if err != nil {
		return s.wrap(op, err)
	}
	row := &recordRow{
		ID:        r.ID,
		Type:      string(r.Type),
		UserID:    r.UserID,
		CreatedBy: r.CreatedBy,
		CreatedAt: millis(r.CreatedAt),
		ExpiresAt: millis(r.ExpiresAt),
		Version:   1,
		Data:      data,
	}
	err = s.unit(ctx, op, true, func(ctx context.Context, db bun.IDB) error {
		_, err := db.NewInsert().Model(row).Exec(ctx)
		return err
	})
	if err != nil {
		return err
	}
	r.Version = 1
	return nil
}

// GetVerificationRecord implements store.VerificationRecords.
func (s *Store) GetVerificationRecord(ctx context.Context, id string, now time.Time) (*store.VerificationRecord, error) {
	const op = "get verification record"
	var row recordRow
	err := s.db.NewSelect().Model(&row).Where("r.id = ? AND r.expires_at > ?", id, millis(now)).Scan(ctx)
	if err != nil {
		return nil, s.mapErr(op, err)
	}
	r, err := row.record()
	if err != nil {
		return nil, s.wrap(op, err)
	}
	return r, nil
}

// UpdateVerificationRecord implements store.VerificationRecords as a
// compare-and-set on the version; when it changes nothing, a second query
// tells a moved-on version (ErrConflict) from a missing record (ErrNotFound).
func (s *Store) UpdateVerificationRecord(ctx context.Context, r *store.VerificationRecord) error {
	const op = "update verification record"
	data, err := toJSON(newRecordData(r))
	if err != nil {
		return s.wrap(op, err)
	}
	var n int64
	err = s.exec(ctx, op, func(db bun.IDB) error {
		res, err := db.NewUpdate().Model((*recordRow)(nil)).
			Set("data = ?", data).
			Set("version = version + 1").
			Where("id = ? AND version = ?", r.ID, r.Version).
			Exec(ctx)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return err
	}
	if n == 0 {
		exists, err := s.db.NewSelect().Model((*recordRow)(nil)).Where("r.id = ?", r.ID).Exists(ctx)
		if err != nil {
			return s.mapErr(op, err)
		}
		if exists {
			return store.ErrConflict
		}
		return store.ErrNotFound
	}
	r.Version++
	return nil
}

// DeleteExpiredVerificationRecords implements store.VerificationRecords; the
// records' codes go with them (ON DELETE CASCADE).
func (s *Store) DeleteExpiredVerificationRecords(ctx context.Context, before time.Time) (int, error) {
	var n int64
	err := s.exec(ctx, "delete expired verification records", func(db bun.IDB) error {
		res, err := db.NewDelete().Model((*recordRow)(nil)).Where("expires_at <= ?", millis(before)).Exec(ctx)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}

// codeRow is a row of accountapi_verification_codes.
type codeRow struct {
	bun.BaseModel `bun:"table:accountapi_verification_codes,alias:c"`

	ID              string `bun:"id,pk"`
	RecordID        string `bun:"record_id"`
	TemplateType    string `bun:"template_type"`
	DestinationType string `bun:"destination_type"`
	Destination     string `bun:"destination"`
	Code            string `bun:"code"`
	TryCount        int    `bun:"try_count"`
	Consumed        bool   `bun:"consumed"`
	CreatedAt       int64  `bun:"created_at"`
}

func (row *codeRow) code() *store.VerificationCode {
	return &store.VerificationCode{
		ID:           row.ID,
		RecordID:     row.RecordID,
		TemplateType: store.TemplateType(row.TemplateType),
		Destination:  store.Identifier{Type: store.IdentifierType(row.DestinationType), Value: row.Destination},
		Code:         row.Code,
		TryCount:     row.TryCount,
		Consumed:     row.Consumed,
		CreatedAt:    fromMillis(row.CreatedAt),
	}
}

// CreateVerificationCode implements store.VerificationCodes. In one
// transaction it reads the record (locking its row on PostgreSQL, so that
// concurrent creates for one record take turns and the last one's code is
// the one left), deletes the unconsumed codes of (record, template) and
// inserts c. A partial unique index keeps at most one unconsumed code per
// (record, template) whatever happens.
func (s *Store) CreateVerificationCode(ctx context.Context, c *store.VerificationCode) error {
	row := &codeRow{
		ID:              c.ID,
		RecordID:        c.RecordID,
		TemplateType:    string(c.TemplateType),
		DestinationType: string(c.Destination.Type),
		Destination:     c.Destination.Value,
		Code:            c.Code,
		TryCount:        c.TryCount,
		Consumed:        c.Consumed,
		CreatedAt:       millis(c.CreatedAt),
	}
	return s.unit(ctx, "create verification code", false, func(ctx context.Context, db bun.IDB) error {
		q := db.NewSelect().Model((*recordRow)(nil)).Column("r.id").Where("r.id = ?", c.RecordID)
		if s.cfg.Dialect.LockRows {
			q = q.For("UPDATE")
		}
		var id string
		if err := q.Scan(ctx, &id); err != nil {
			return err
		}
		if _, err := db.NewDelete().Model((*codeRow)(nil)).
			Where("record_id = ? AND template_type = ? AND NOT consumed", c.RecordID, c.TemplateType).
			Exec(ctx); err != nil {
			return err
		}
		_, err := db.NewInsert().Model(row).Exec(ctx)
		return err
	})
}

// FindVerificationCode implements store.VerificationCodes.
func (s *Store) FindVerificationCode(ctx context.Context, recordID string, templateType store.TemplateType) (*store.VerificationCode, error) {
	var row codeRow
	err := s.db.NewSelect().Model(&row).
		Where("c.record_id = ? AND c.template_type = ? AND NOT c.consumed", recordID, templateType).
		OrderExpr("c.created_at DESC, c.id DESC").
		Limit(1).
		Scan(ctx)
	if err != nil {
		return nil, s.mapErr("find verification code", err)
	}
	return row.code(), nil
}

// IncrementCodeTries implements store.VerificationCodes with one UPDATE …
// RETURNING.
func (s *Store) IncrementCodeTries(ctx context.Context, id string) (int, error) {
	var n int
	err := s.exec(ctx, "increment code tries", func(db bun.IDB) error {
		return db.NewUpdate().Model((*codeRow)(nil)).
			Set("try_count = try_count + 1").
			Where("id = ? AND NOT consumed", id).
			Returning("try_count").
			Scan(ctx, &n)
	})
	return n, err
}

// ConsumeVerificationCode implements store.VerificationCodes with one
// conditional UPDATE.
func (s *Store) ConsumeVerificationCode(ctx context.Context, id string) error {
	return s.exec(ctx, "consume verification code", func(db bun.IDB) error {
		res, err := db.NewUpdate().Model((*codeRow)(nil)).
			Set("consumed = ?", true).
			Where("id = ? AND NOT consumed", id).
			Exec(ctx)
		return oneRow(res, err)
	})
}
