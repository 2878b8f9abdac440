package sqlstore

import (
	"context"

	"github.com/uptrace/bun"

	"github.com/accountapi/accountapi/store"
)

// accountCenterID is the id of the one row of accountapi_account_center.
const accountCenterID = "default"

// accountCenterRow is the row of accountapi_account_center.
type accountCenterRow struct {
	bun.BaseModel `bun:"table:accountapi_account_center,alias:ac"`

	ID                     string  `bun:"id,pk"`
	Enabled                bool    `bun:"enabled"`
	Fields                 string  `bun:"fields"`
	WebAuthnRelatedOrigins string  `bun:"webauthn_related_origins"`
	DeleteAccountURL       string  `bun:"delete_account_url,nullzero"`
	CustomCSS              *string `bun:"custom_css"`
	ProfileFields          *string `bun:"profile_fields"`
	UpdatedAt              int64   `bun:"updated_at"`
}

// GetAccountCenter implements store.Settings.
func (s *Store) GetAccountCenter(ctx context.Context) (*store.AccountCenter, error) {
	const op = "get account center"
	var row accountCenterRow
	if err := s.db.NewSelect().Model(&row).Where("ac.id = ?", accountCenterID).Scan(ctx); err != nil {
		return nil, s.mapErr(op, err)
	}
	ac := &store.AccountCenter{
		Enabled:          row.Enabled,
		DeleteAccountURL: row.DeleteAccountURL,
		CustomCSS:        row.CustomCSS,
		UpdatedAt:        fromMillis(row.UpdatedAt),
	}
	if err := fromJSON(row.Fields, &ac.Fields); err != nil {
		return nil, s.wrap(op, err)
	}
	if err := fromJSON(row.WebAuthnRelatedOrigins, &ac.WebAuthnRelatedOrigins); err != nil {
		return nil, s.wrap(op, err)
	}
	if len(ac.WebAuthnRelatedOrigins) == 0 {
		ac.WebAuthnRelatedOrigins = nil
	}
	if row.ProfileFields != nil {
		// Not nil even when empty: ProfileFields tells null from [].
		ac.ProfileFields = []store.ProfileField{}
		if err := fromJSON(*row.ProfileFields, &ac.ProfileFields); err != nil {
			return nil, s.wrap(op, err)
		}
	}
	return ac, nil
}

// SaveAccountCenter implements store.Settings with one upsert.
func (s *Store) SaveAccountCenter(ctx context.Context, ac *store.AccountCenter) error {
	const op = "save account center"
	fields, err := toJSON(ac.Fields)
	if err != nil {
		return s.wrap(op, err)
	}
	origins := "[]"
	if len(ac.WebAuthnRelatedOrigins) > 0 {
		if origins, err = toJSON(ac.WebAuthnRelatedOrigins); err != nil {
			return s.wrap(op, err)
		}
	}
	var profileFields *string
	if ac.ProfileFields != nil {
		pf, err := toJSON(ac.ProfileFields)
		if err != nil {
			return s.wrap(op, err)
		}
		profileFields = &pf
	}
	row := &accountCenterRow{
		ID:                     accountCenterID,
		Enabled:                ac.Enabled,
		Fields:                 fields,
		WebAuthnRelatedOrigins: origins,
		DeleteAccountURL:       ac.DeleteAccountURL,
		CustomCSS:              ac.CustomCSS,
		ProfileFields:          profileFields,
		UpdatedAt:              millis(ac.UpdatedAt),
	}
	return s.exec(ctx, op, func(db bun.IDB) error {
		_, err := db.NewInsert().Model(row).
			On("CONFLICT (id) DO UPDATE").
			Set("enabled = EXCLUDED.enabled").
			Set("fields = EXCLUDED.fields").
			Set("webauthn_related_origins = EXCLUDED.webauthn_related_origins").
			Set("delete_account_url = EXCLUDED.delete_account_url").
			Set("custom_css = EXCLUDED.custom_css").
			Set("profile_fields = EXCLUDED.profile_fields").
			Set("updated_at = EXCLUDED.updated_at").
			Exec(ctx)
		return err
	})
}

// signInExperienceRow is the one row of accountapi_sign_in_experience: the
// policies as one typed JSON document.
type signInExperienceRow struct {
	bun.BaseModel `bun:"table:accountapi_sign_in_experience,alias:sie"`

	ID        string `bun:"id,pk"`
	Data      string `bun:"data"`
	UpdatedAt int64  `bun:"updated_at"`
}

// GetSignInExperience implements store.Settings.
func (s *Store) GetSignInExperience(ctx context.Context) (*store.SignInExperience, error) {
	const op = "get sign-in experience"
	var row signInExperienceRow
	if err := s.db.NewSelect().Model(&row).Where("sie.id = ?", accountCenterID).Scan(ctx); err != nil {
		return nil, s.mapErr(op, err)
	}
	sie := &store.SignInExperience{}
	if err := fromJSON(row.Data, sie); err != nil {
		return nil, s.wrap(op, err)
	}
	sie.UpdatedAt = fromMillis(row.UpdatedAt)
	return sie, nil
}

// SaveSignInExperience implements store.Settings with one upsert.
func (s *Store) SaveSignInExperience(ctx context.Context, sie *store.SignInExperience) error {
	const op = "save sign-in experience"
	data, err := toJSON(sie)
	if err != nil {
		return s.wrap(op, err)
	}
	row := &signInExperienceRow{ID: accountCenterID, Data: data, UpdatedAt: millis(sie.UpdatedAt)}
	return s.exec(ctx, op, func(db bun.IDB) error {
		_, err := db.NewInsert().Model(row).
			On("CONFLICT (id) DO UPDATE").
			Set("data = EXCLUDED.data").
			Set("updated_at = EXCLUDED.updated_at").
			Exec(ctx)
		return err
	})
}

// tokenRow is a row of accountapi_personal_access_tokens.
type tokenRow struct {
	bun.BaseModel `bun:"table:accountapi_personal_access_tokens,alias:t"`

	UserID    string `bun:"user_id,pk"`
	Name      string `bun:"name,pk"`
	Hash      []byte `bun:"hash"`
	CreatedAt int64  `bun:"created_at"`
	ExpiresAt *int64 `bun:"expires_at"`
}

func (r *tokenRow) token() store.PersonalAccessToken {
	return store.PersonalAccessToken{
		UserID:    r.UserID,
		Name:      r.Name,
		Hash:      r.Hash,
		CreatedAt: fromMillis(r.CreatedAt),
		ExpiresAt: fromNullMillis(r.ExpiresAt),
	}
}

// CreatePersonalAccessToken implements store.AccessTokens.
func (s *Store) CreatePersonalAccessToken(ctx context.Context, t *store.PersonalAccessToken) error {
	row := &tokenRow{
		UserID:    t.UserID,
		Name:      t.Name,
		Hash:      t.Hash,
		CreatedAt: millis(t.CreatedAt),
		ExpiresAt: nullMillis(t.ExpiresAt),
	}
	if row.Hash == nil {
		// NOT NULL: an empty hash is a value.
		row.Hash = []byte{}
	}
	return s.unit(ctx, "create personal access token", true, func(ctx context.Context, db bun.IDB) error {
		_, err := db.NewInsert().Model(row).Exec(ctx)
		return err
	})
}

// ListPersonalAccessTokens implements store.AccessTokens.
func (s *Store) ListPersonalAccessTokens(ctx context.Context, userID string) ([]store.PersonalAccessToken, error) {
	var rows []tokenRow
	if err := s.db.NewSelect().Model(&rows).Where("t.user_id = ?", userID).OrderExpr("t.created_at, t.name").Scan(ctx); err != nil {
		return nil, s.mapErr("list personal access tokens", err)
	}
	tokens := make([]store.PersonalAccessToken, len(rows))
	for i := range rows {
		tokens[i] = rows[i].token()
	}
	return tokens, nil
}

// FindPersonalAccessToken implements store.AccessTokens.
func (s *Store) FindPersonalAccessToken(ctx context.Context, hash []byte) (*store.PersonalAccessToken, error) {
	if hash == nil {
		hash = []byte{}
	}
	var row tokenRow
	if err := s.db.NewSelect().Model(&row).Where("t.hash = ?", hash).Scan(ctx); err != nil {
		return nil, s.mapErr("find personal access token", err)
	}
	t := row.token()
	return &t, nil
}

// RenamePersonalAccessToken implements store.AccessTokens. The new name
// collides through the primary key (user_id, name): ErrDuplicateName.
func (s *Store) RenamePersonalAccessToken(ctx context.Context, userID, oldName, newName string) error {
	return s.unit(ctx, "rename personal access token", true, func(ctx context.Context, db bun.IDB) error {
		res, err := db.NewUpdate().Model((*tokenRow)(nil)).
			Set("name = ?", newName).
			Where("user_id = ? AND name = ?", userID, oldName).
			Exec(ctx)
		return oneRow(res, err)
	})
}

// DeletePersonalAccessToken implements store.AccessTokens.
func (s *Store) DeletePersonalAccessToken(ctx context.Context, userID, name string) error {
	return s.exec(ctx, "delete personal access token", func(db bun.IDB) error {
		res, err := db.NewDelete().Model((*tokenRow)(nil)).Where("user_id = ? AND name = ?", userID, name).Exec(ctx)
		return oneRow(res, err)
	})
}
