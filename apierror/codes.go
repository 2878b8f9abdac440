package apierror

// The catalogue: every code the library answers with. Codes, statuses and
// English messages are Logto's (docs/compatibility.md, "Errors and statuses")
// unless the comment says the code is ours. Where Logto uses one code with
// different statuses on different routes, the entry holds the most common
// status and the use case picks the route's with WithStatus.
//
// These values are shared: never modify them, decorate them with the With…
// methods, which return copies.
var (
	// Internal is every failure that is not one of the catalogue's: the body
	// says only "Internal server error." and the cause goes to the log. Ours;
	// Logto's 500 body has no code.
	Internal = New("internal_server_error", 500, "Internal server error.")

	// --- Bearer-token authentication ---
	// (docs/compatibility.md, "Request pipeline")

	// AuthorizationHeaderMissing: the request has no Authorization header.
	AuthorizationHeaderMissing = New("auth.authorization_header_missing", 401, "Authorization header is missing.")
	// AuthorizationTokenTypeNotSupported: the Authorization header is not "Bearer …".
	AuthorizationTokenTypeNotSupported = New("auth.authorization_token_type_not_supported", 401, "Authorization type is not supported.")
	// Unauthorized: the token is unknown, expired or has no user, or (with
	// status 400 or 401, per route; see docs/compatibility.md, "Scopes and
	// field controls") it lacks a scope the route needs.
	Unauthorized = New("auth.unauthorized", 401, "Unauthorized. Please check credentials and its scope.")
	// Forbidden: the token lacks the openid scope, or (access-token routes) the
	// identities scope, or a management token lacks scope all.
	Forbidden = New("auth.forbidden", 403, "Forbidden. Please check your user roles and permissions.")
	// ThirdPartyApplicationForbidden: a mutating route was called with a token
	// issued to a third-party application (docs/compatibility.md, "First-party
	// and third-party applications").
	ThirdPartyApplicationForbidden = New("auth.third_party_application_forbidden", 403, "Third-party applications cannot modify account data through this API.")

	// --- Request shape ---

	// InvalidInput: the query, path or JSON body does not match the route's
	// schema (malformed JSON, wrong types, missing members). Details says what.
	InvalidInput = New("guard.invalid_input", 400, "The request {{type}} is invalid.")
	// RequestInvalidInput: a well-formed body with a value the route refuses,
	// e.g. a personal access token expiring in the past.
	RequestInvalidInput = New("request.invalid_input", 400, "Input is invalid. {{details}}")
	// PayloadTooLarge: the body is over the size cap. Ours; Logto's body parser
	// answers 413 without a code.
	PayloadTooLarge = New("request.payload_too_large", 413, "The request body is too large.")
	// NotFound: no route has this path. Ours; Logto answers 404 without a code.
	NotFound = New("request.not_found", 404, "Not found.")
	// MethodNotAllowed: the path exists but not with this method. Ours.
	MethodNotAllowed = New("request.method_not_allowed", 405, "Method not allowed.")
	// MessageRateLimited: the per-recipient send limit of verification codes
	// is reached (docs/compatibility.md, "Send limit").
	MessageRateLimited = New("request.message_rate_limited", 429, "Too many messages sent to this recipient. Please try again later.")

	// --- Account center ---
	// (docs/compatibility.md, "Account-center settings")

	// AccountCenterNotEnabled: the account center is switched off.
	AccountCenterNotEnabled = New("account_center.not_enabled", 400, "Account center is not enabled.")
	// FieldNotEditable: the account-center control of the field is not Edit.
	FieldNotEditable = New("account_center.field_not_editable", 400, "Field is not editable.")
	// FieldNotEnabled: the account-center control of the field is Off.
	FieldNotEnabled = New("account_center.field_not_enabled", 400, "Field is not enabled.")

	// --- Verification records ---
	// (docs/compatibility.md, "Verification records")

	// RecordNotFound: the verification record is missing, expired, of another
	// type, not verified, for another identifier, or (stricter than Logto;
	// docs/compatibility.md, "New-identifier records belong to their creator")
	// another user's. 404 on GET backup-codes.
	RecordNotFound = New("verification_record.not_found", 400, "Verification record not found.")
	// PermissionDenied: the route needs identity proof (logto-verification-id)
	// and the request has none that qualifies (docs/compatibility.md,
	// "Identity proof").
	PermissionDenied = New("verification_record.permission_denied", 401, "Permission denied, please re-authenticate.")
	// SocialInvalidTarget: a social record of another connector target.
	SocialInvalidTarget = New("verification_record.social_verification.invalid_target", 422, "Invalid verification record. Expected {{expected}} but got {{actual}}.")
	// SocialTokenResponseNotFound: the social record holds no provider token.
	SocialTokenResponseNotFound = New("verification_record.social_verification.token_response_not_found", 422, "Token response not found. Please make sure the connector supports token storage.")

	// --- Verification codes ---
	// (docs/compatibility.md, "Verification codes and lockout")

	// CodeNotFound: no unconsumed code for the record (never sent, or already used).
	CodeNotFound = New("verification_code.not_found", 400, "Verification code not found. Please send verification code first.")
	// CodeEmailMismatch: the code was sent to another email address.
	CodeEmailMismatch = New("verification_code.email_mismatch", 400, "Email mismatch. Please request a new verification code.")
	// CodePhoneMismatch: the code was sent to another phone number.
	CodePhoneMismatch = New("verification_code.phone_mismatch", 400, "Phone mismatch. Please request a new verification code.")
	// CodeMismatch: wrong code.
	CodeMismatch = New("verification_code.code_mismatch", 400, "Invalid verification code.")
	// CodeExpired: the code is older than the code policy's lifetime.
	CodeExpired = New("verification_code.expired", 400, "Verification code has expired. Please request a new verification code.")
	// CodeExceedMaxTry: the code's attempts are used up.
	CodeExceedMaxTry = New("verification_code.exceed_max_try", 400, "Verification code retries limitation exceeded. Please request a new verification code.")

	// --- Sign-in checks (session.*) ---

	// InvalidCredentials: wrong password, or the user has none.
	InvalidCredentials = New("session.invalid_credentials", 422, "Incorrect account or password. Please check your input.")
	// VerificationBlocked: the identifier lockout sentinel blocks the target
	// (docs/compatibility.md, "Identifier lockout").
	VerificationBlocked = New("session.verification_blocked_too_many_attempts", 400, "Too many attempts. Please try again in {{minutes}} minutes.")
	// InvalidConnectorID: no connector has this id.
	InvalidConnectorID = New("session.invalid_connector_id", 422, "Unable to find available connector with id {{connectorId}}.")
	// InsufficientInfo: state or redirectUri is empty.
	InsufficientInfo = New("session.insufficient_info", 400, "Insufficient sign-in info.")
	// MFAFactorNotEnabled: the MFA factor is not in the enabled-factor policy,
	// or (step-up) the user has no such factor.
	MFAFactorNotEnabled = New("session.mfa.mfa_factor_not_enabled", 400, "MFA factor is not enabled.")
	// InvalidTOTPCode: wrong TOTP code, or one whose time step was already used.
	InvalidTOTPCode = New("session.mfa.invalid_totp_code", 400, "Invalid TOTP code.")
	// InvalidBackupCode: wrong or already used backup code.
	InvalidBackupCode = New("session.mfa.invalid_backup_code", 400, "Invalid backup code.")
	// BackupCodeCannotBeAlone: backup codes need another factor first.
	BackupCodeCannotBeAlone = New("session.mfa.backup_code_can_not_be_alone", 422, "Backup code can not be the only MFA.")
	// PendingInfoNotFound: the WebAuthn record holds no challenge to answer.
	PendingInfoNotFound = New("session.mfa.pending_info_not_found", 400, "Pending MFA info not found, please initiate MFA first.")
	// WebAuthnVerificationFailed: the attestation or assertion did not verify.
	WebAuthnVerificationFailed = New("session.mfa.webauthn_verification_failed", 400, "WebAuthn verification failed.")
	// EmailNotAllowed: the email blocklist policy refuses the address.
	EmailNotAllowed = New("session.email_blocklist.email_not_allowed", 422, "The email address {{email}} is restricted from registration.")
	// EmailSubaddressingNotAllowed: the address uses "+" sub-addressing and the policy blocks it.
	EmailSubaddressingNotAllowed = New("session.email_blocklist.email_subaddressing_not_allowed", 422, "Email subaddressing is not allowed.")
	// DisposableEmailValidationFailed: a disposable-domain checker refused the
	// address or failed.
	DisposableEmailValidationFailed = New("session.email_blocklist.disposable_email_validation_failed", 422, "Email address validation failed.")

	// --- Connectors ---

	// ConnectorNotFound: no connector of the needed type (email or SMS) is set up.
	ConnectorNotFound = New("connector.not_found", 501, "Can not find any available connector for {{type}}.")
	// ConnectorUnexpectedType: the connector is not of the type the route needs.
	ConnectorUnexpectedType = New("connector.unexpected_type", 400, "The connector's type is unexpected.")
	// ConnectorInvalidResponse: the provider's callback data did not validate.
	ConnectorInvalidResponse = New("connector.invalid_response", 400, "The response of the connector is invalid.")
	// ConnectorAuthorizationFailed: the provider refused the authorization.
	ConnectorAuthorizationFailed = New("connector.authorization_failed", 401, "The user's authorization was unsuccessful.")
	// ConnectorAuthCodeInvalid: the provider refused the authorization code.
	ConnectorAuthCodeInvalid = New("connector.social_auth_code_invalid", 401, "Unable to get access token, please check the authorization code.")
	// ConnectorTemplateNotFound: the notifier has no template for this message type.
	ConnectorTemplateNotFound = New("connector.template_not_found", 400, "Unable to find correct template in connector config.")
	// ConnectorGeneral: the notifier or provider failed in a way the client cannot fix.
	ConnectorGeneral = New("connector.general", 500, "An unexpected error occurred in connector.")

	// --- Passwords ---

	// PasswordRejected: the password policy refuses the password; Data lists
	// the issues as [{code, interpolation?}].
	PasswordRejected = New("password.rejected", 422, "Password rejected. Please check if your password meets the requirements.")
	// SamePassword: the new password equals the current one.
	SamePassword = New("user.same_password", 422, "New password cannot be the same as your old password.")
	// PasswordAndDigest: a new user may have a password or a digest, not both.
	PasswordAndDigest = New("user.password_and_digest", 400, "You cannot set both plain text password and password digest.")
	// PasswordAlgorithmRequired: a digest was given without its algorithm.
	PasswordAlgorithmRequired = New("user.password_algorithm_required", 400, "Password algorithm is required.")

	// --- Users ---

	// UserSuspended: the user is suspended.
	UserSuspended = New("user.suspended", 401, "This account is suspended.")
	// UsernameAlreadyInUse: another user has this username.
	UsernameAlreadyInUse = New("user.username_already_in_use", 422, "This username is already in use.")
	// EmailAlreadyInUse: another user has this email (case-insensitive).
	EmailAlreadyInUse = New("user.email_already_in_use", 422, "This email is associated with an existing account.")
	// PhoneAlreadyInUse: another user has this phone number (normalised).
	PhoneAlreadyInUse = New("user.phone_already_in_use", 422, "This phone number is associated with an existing account.")
	// InvalidPhone: the phone number does not parse.
	InvalidPhone = New("user.invalid_phone", 422, "Invalid phone number.")
	// IdentityAlreadyInUse: another user has this social identity (422), or
	// (400) the user already has an identity for this target.
	IdentityAlreadyInUse = New("user.identity_already_in_use", 422, "The social account has been associated with an existing account.")
	// IdentityNotExist: the user has no identity for this target.
	IdentityNotExist = New("user.identity_not_exist", 404, "The social account has not been registered yet.")
	// IdentityNotInCurrentUser: the identity is not the calling user's.
	IdentityNotInCurrentUser = New("user.identity_not_exists_in_current_user", 422, "The specified identity does not exist in the current user account.")
	// LastSignInMethodRequired: the change would leave the user no identifier.
	LastSignInMethodRequired = New("user.last_sign_in_method_required", 400, "You need to keep at least one identifier in your account.")
	// TOTPAlreadyInUse: the user already has a TOTP factor.
	TOTPAlreadyInUse = New("user.totp_already_in_use", 422, "TOTP is already in use.")
	// TOTPSecretInvalid: the TOTP secret is not 16–32 base32 characters. 422
	// on the Management API.
	TOTPSecretInvalid = New("user.totp_secret_invalid", 400, "Invalid TOTP secret supplied.")
	// BackupCodeAlreadyInUse: the user has a backup-code set with unused codes.
	BackupCodeAlreadyInUse = New("user.backup_code_already_in_use", 422, "Backup code is already in use.")
	// WrongBackupCodeFormat: not ten codes of ten hexadecimal characters.
	WrongBackupCodeFormat = New("user.wrong_backup_code_format", 422, "Backup code format is invalid.")
	// CannotDeleteSelf: a management token tried to delete its own user.
	CannotDeleteSelf = New("user.cannot_delete_self", 400, "You cannot delete yourself.")
	// PersonalAccessTokenNameExists: the user has a token of this name.
	PersonalAccessTokenNameExists = New("user.personal_access_token_name_exists", 422, "Personal access token name already exists.")

	// Username policy violations (docs/compatibility.md, "Profile, username
	// and password rules"), checked in this order.

	// UsernameRequired: the username is empty.
	UsernameRequired = New("user.username_required", 422, "Username is required.")
	// UsernameStartsWithNumber: the username starts with a digit.
	UsernameStartsWithNumber = New("user.username_starts_with_number", 422, "Username cannot start with a number.")
	// UsernameInvalidCharset: the username has characters other than letters, digits and underscores.
	UsernameInvalidCharset = New("user.username_invalid_charset_hard", 422, "Username can only contain letters, numbers, and underscores.")
	// UsernameTooShort: the username is shorter than the policy's minimum.
	UsernameTooShort = New("user.username_too_short", 422, "Username must be at least {{min}} characters long.")
	// UsernameTooLong: the username is longer than the policy's maximum.
	UsernameTooLong = New("user.username_too_long", 422, "Username must be at most {{max}} characters long.")
	// UsernameUppercaseNotAllowed: the policy forbids uppercase letters.
	UsernameUppercaseNotAllowed = New("user.username_uppercase_not_allowed", 422, "Username cannot contain uppercase letters.")
	// UsernameLowercaseNotAllowed: the policy forbids lowercase letters.
	UsernameLowercaseNotAllowed = New("user.username_lowercase_not_allowed", 422, "Username cannot contain lowercase letters.")
	// UsernameNumbersNotAllowed: the policy forbids digits.
	UsernameNumbersNotAllowed = New("user.username_numbers_not_allowed", 422, "Username cannot contain numbers.")
	// UsernameUnderscoreNotAllowed: the policy forbids underscores.
	UsernameUnderscoreNotAllowed = New("user.username_underscore_not_allowed", 422, "Username cannot contain underscores.")

	// --- Rows ---
	// (Logto's database error mapping; docs/compatibility.md, "Errors and
	// statuses")

	// EntityNotFound: the addressed row (e.g. a user) does not exist.
	EntityNotFound = New("entity.not_found", 404, "The entity does not exist.")
	// EntityNotExists: an update addressed no row.
	EntityNotExists = New("entity.not_exists", 404, "The {{name}} does not exist.")
	// EntityInvalidInput: an update with nothing to update.
	EntityInvalidInput = New("entity.invalid_input", 422, "Invalid input. Value list must not be empty.")
	// EntityValueTooLong: a value is longer than its column allows.
	EntityValueTooLong = New("entity.value_too_long", 422, "The length of value is too long.")
	// EntityRelationNotFound: a row refers to another that does not exist.
	EntityRelationNotFound = New("entity.relation_foreign_key_not_found", 404, "Cannot find foreign key.")

	// PasswordExpirationNotEnabled: a password was marked expired while the
	// password-expiration policy is off.
	PasswordExpirationNotEnabled = New("sign_in_experiences.password_expiration_not_enabled", 400, "Password expiration is not enabled.")
)

// Catalogue lists every entry above, for tests and for translation catalogues
// that must cover every code.
func Catalogue() []*Error {
	return []*Error{
		Internal,
		AuthorizationHeaderMissing, AuthorizationTokenTypeNotSupported, Unauthorized, Forbidden,
		ThirdPartyApplicationForbidden,
		InvalidInput, RequestInvalidInput, PayloadTooLarge, NotFound, MethodNotAllowed, MessageRateLimited,
		AccountCenterNotEnabled, FieldNotEditable, FieldNotEnabled,
		RecordNotFound, PermissionDenied, SocialInvalidTarget, SocialTokenResponseNotFound,
		CodeNotFound, CodeEmailMismatch, CodePhoneMismatch, CodeMismatch, CodeExpired, CodeExceedMaxTry,
		InvalidCredentials, VerificationBlocked, InvalidConnectorID, InsufficientInfo,
		MFAFactorNotEnabled, InvalidTOTPCode, InvalidBackupCode, BackupCodeCannotBeAlone,
		PendingInfoNotFound, WebAuthnVerificationFailed,
		EmailNotAllowed, EmailSubaddressingNotAllowed, DisposableEmailValidationFailed,
		ConnectorNotFound, ConnectorUnexpectedType, ConnectorInvalidResponse, ConnectorAuthorizationFailed,
		ConnectorAuthCodeInvalid, ConnectorTemplateNotFound, ConnectorGeneral,
		PasswordRejected, SamePassword, PasswordAndDigest, PasswordAlgorithmRequired,
		UserSuspended, UsernameAlreadyInUse, EmailAlreadyInUse, PhoneAlreadyInUse, InvalidPhone,
		IdentityAlreadyInUse, IdentityNotExist, IdentityNotInCurrentUser, LastSignInMethodRequired,
		TOTPAlreadyInUse, TOTPSecretInvalid, BackupCodeAlreadyInUse, WrongBackupCodeFormat,
		CannotDeleteSelf, PersonalAccessTokenNameExists,
		UsernameRequired, UsernameStartsWithNumber, UsernameInvalidCharset, UsernameTooShort,
		UsernameTooLong, UsernameUppercaseNotAllowed, UsernameLowercaseNotAllowed,
		UsernameNumbersNotAllowed, UsernameUnderscoreNotAllowed,
		EntityNotFound, EntityNotExists, EntityInvalidInput, EntityValueTooLong, EntityRelationNotFound,
		PasswordExpirationNotEnabled,
	}
}
