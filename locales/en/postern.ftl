# Postern — English (the reference catalogue: every other locale has every id of this file).
# Variables: $app is the product name; $from the browser and OS that asked ("Firefox on
# Linux"); $lifetime a duration built from the duration-* messages; $expires_at a UTC time.

## Durations

duration-seconds = { $seconds ->
    [one] 1 second
   *[other] { $seconds } seconds
}
duration-minutes = { $minutes ->
    [one] 1 minute
   *[other] { $minutes } minutes
}
duration-hours = { $hours ->
    [one] 1 hour
   *[other] { $hours } hours
}
duration-days = { $days ->
    [one] 1 day
   *[other] { $days } days
}

## Parts shared by every email

email-code-label = Your code
email-code-line = Your code: { $code }
# Text messages stay in one segment (issue 15): at most 160 GSM-7 characters with the
# WebOTP line; a character outside GSM-7 (á, ã, ç, ’…) would make it 70. See the test
# every_text_message_fits_one_segment_in_every_locale.
sms-code-or = Or enter this code:
email-code-or = Or enter this code:
email-link-fallback = Or paste this link into your browser:
email-footer = This is an automated message from { $app }.
email-footer-support = Questions? Write to { $support }.
expiry-link-code = The code and the link work once and expire in { $lifetime } ({ $expires_at }).
expiry-link = The link works once and expires in { $lifetime } ({ $expires_at }).
expiry-code = The code works once and expires in { $lifetime } ({ $expires_at }).

## Message: sign_in

sign-in-subject = Your sign-in code for { $app }: { $code }
sign-in-heading = Sign in to { $app }
sign-in-intro = Someone asked to sign in to { $app } with this email address, from { $from }.
sign-in-intro-plain = Someone asked to sign in to { $app } with this email address.
sign-in-button = Sign in to { $app }
sign-in-text-link = Or open this link to sign in:
sign-in-ignore = If this wasn't you, ignore this email: nobody can sign in without the code or the link. Never share the code with anyone, including people who say they work for { $app }.
sign-in-sms = { $code } is your { $app } sign-in code. It expires in { $minutes } min. Didn't ask? Ignore this. Never share it.

## Message: verification

verification-subject = Confirm your email address for { $app }
verification-heading = Confirm your email address
verification-intro = Welcome to { $app }! Confirm that this email address is yours to finish creating your account.
verification-button = Confirm email address
verification-text-link = Open this link to confirm:
verification-ignore = If you did not create an account on { $app }, ignore this email: no account is created without this confirmation.
verification-change-intro = Someone asked to use this email address for a { $app } account. Confirm that it is yours to finish the change.
verification-change-ignore = If you did not ask for this, ignore this email: nothing changes without this confirmation.
verification-sms = { $code } is your { $app } verification code. It expires in { $lifetime }.
verification-sms-link = Confirm your { $app } account (the link expires in { $lifetime }):

## Message: reset_link and reset_code

reset-subject = Reset your { $app } password
reset-code-subject = Your { $app } password reset code: { $code }
reset-heading = Reset your password
reset-intro = Someone asked to reset the password of your { $app } account, from { $from }.
reset-intro-plain = Someone asked to reset the password of your { $app } account.
reset-button = Choose a new password
reset-text-link = Open this link to choose a new password:
reset-ignore = If this wasn't you, ignore this email: your password stays as it is. Never share the code or the link with anyone.
reset-sms-link = Reset your { $app } password (the link expires in { $lifetime }). Didn't ask? Ignore this.
reset-sms-code = { $code } is your { $app } password reset code. It expires in { $lifetime }. Didn't ask? Ignore this. Never share it.

## Message: password_changed

password-changed-subject = Your { $app } password was changed
password-changed-heading = Your password was changed
password-changed-intro = The password of your { $app } account was just changed, and every device was signed out.
password-changed-from = The change was made from { $from }.
password-changed-advice = If this was you, there is nothing else to do. If it wasn't, reset your password right away.
password-changed-button = Sign in to { $app }
password-changed-sms = Your { $app } password was just changed and every device was signed out. Not you? Reset your password now.

## Message: account_exists

account-exists-subject = You already have a { $app } account
account-exists-heading = You already have an account
account-exists-intro = Someone tried to create a { $app } account with this email address, from { $from }. You already have an account, so nothing was changed.
account-exists-intro-plain = Someone tried to create a { $app } account with this email address. You already have an account, so nothing was changed.
account-exists-button = Sign in to { $app }
account-exists-text-link = Open this link to sign in:
account-exists-ignore = If this wasn't you, ignore this email: your account is safe.
account-exists-sms = Someone tried to sign up to { $app } with this number, but you already have an account. Nothing was changed.

## Message: identifier_changed

identifier-changed-subject = Your { $app } sign-in address was changed
identifier-changed-heading = Your sign-in address was changed
identifier-changed-intro = This address was just replaced on your { $app } account: messages and sign-ins now go to the new one.
identifier-changed-from = The change was made from { $from }.
identifier-changed-advice = If this was you, there is nothing else to do. If it wasn't, sign in and reset your password right away, or contact support.
identifier-changed-button = Sign in to { $app }
identifier-changed-sms = This number was just replaced on your { $app } account. Not you? Sign in and reset your password now.

## Page: /login

page-login-title = Sign in
page-login-intro = We'll send you a code and a link. No password needed.
page-login-label = Email address or phone number
page-login-placeholder = you@example.com or +44 20 7946 0958
page-login-submit = Continue
page-login-error-identifier = Check the address: enter an email address, or a phone number in international form (starting with + and the country code).
page-login-password-heading = Or sign in with your password
page-login-password-identifier = Email or phone number
page-login-password-label = Password
page-login-password-submit = Sign in with password
page-login-forgot = Forgot your password?
page-login-no-account = No account yet?
page-login-signup = Create an account
page-login-done-reset = Your password was changed and every device was signed out. Sign in with your new password.
page-login-done-deleted = Your account was deleted and every device was signed out.
page-password-locked = Too many failed attempts. Try again in { $wait }.

## Page: /login/code

page-code-title = Enter your code
page-code-heading-email = Check your inbox
page-code-heading-sms = Check your phone
page-code-sent = We sent a code and a link to { $masked }. It expires in { $lifetime }.
page-code-label = 6-digit code
page-code-submit = Sign in
page-code-match-intro = Opening the link on another device? It will ask you to pick this number:
page-code-match-hidden = Number to pick:
page-code-match-wait = Once you approve, this page signs you in by itself, or with the button below.
page-code-poll-ended = This sign-in has ended: it expired, was used or was cancelled. Start again to sign in.
page-code-approved-button = I approved it on my other device
page-code-resend = Send a new code
page-code-other-address = Use a different address
page-code-resent = We sent a new code and link. Earlier ones no longer work.
page-code-not-approved = Not approved yet. Open the link on your other device and pick the number shown here.
page-code-error-format = The code must be 6 digits.

## Page: /login/link

page-link-title = Sign in
page-link-signing-in = Signing you in…
page-link-continue = Continue to { $app }
page-link-request-heading = Sign-in request
page-link-request-intro = Someone asked to sign in as { $masked }.
page-link-browser = Browser
page-link-ip = IP address
page-link-time = Time
page-link-warning-strong = Only approve a sign-in you started yourself.
page-link-warning = If you did not just ask to sign in, close this page: nobody gets in without your approval.
page-link-legend = To approve the device that asked, pick the number it shows
page-link-other-device = Sign in on this device instead
page-link-pick-number = Pick one of the three numbers, or sign in on this device.

## Page: /account

page-account-title = Your account
page-account-signed-in-as = Signed in as { $who }.
page-account-devices = Your devices
page-account-this-device = this device
page-account-device-details = { $ip } · signed in { $created } · last seen { $seen }
page-account-revoke = Sign out this device
page-account-sign-out = Sign out
page-account-sign-out-others = Sign out other devices
page-account-sign-out-all = Sign out everywhere

## Page: /signup

page-channel-email = Email
page-channel-sms = Text message (SMS)
page-signup-title = Create an account
page-signup-intro = Choose a password, then confirm your address with the code we send you.
page-signup-email = Email address
page-signup-phone = Phone number (optional)
page-signup-phone-hint = In international form, starting with + and the country code.
page-signup-password = Password
page-signup-password-hint = At least { $min } characters. A few unrelated words make a strong password.
page-signup-name = Name (optional)
page-signup-channel = Send codes and links by
page-signup-submit = Create account
page-signup-have-account = Already have an account?
page-signup-login = Sign in
page-signup-error-address = Enter an email address or a phone number.
page-signup-error-sms = To get codes by text message, enter a phone number too.
page-signup-closed-title = Sign-up is closed
page-signup-closed-message = New accounts can't be created here. If you already have an account, sign in.

## Page: /forgot-password and /reset-password

page-forgot-title = Forgot your password?
page-forgot-intro = Enter the email address or phone number of your account. We'll send a code and a link to choose a new password.
page-forgot-label = Your email address or phone number
page-forgot-submit = Send a reset code
page-reset-title = Choose a new password
page-reset-code-intro = If an account exists for that address, we sent a code and a link to it. Enter the code and choose a new password.
page-reset-link-intro = Choose a new password for your account. Every device will be signed out.
page-reset-new-password = New password
page-reset-submit = Change password
page-reset-start-again = Start again
page-reset-unusable-title = This reset can't be used
page-reset-unusable-message = This password reset link or code has already been used, was replaced by a newer one, has expired or is not valid. Start again to get a new one.

## Page: /account (profile, addresses, password, deletion)

page-account-done-profile = Your profile was saved.
page-account-done-password = Your password was changed. Your other devices were signed out.
page-account-done-identifier = Your new address is confirmed: codes, links and sign-ins now use it.
page-account-profile = Profile
page-account-name = Name
page-account-channel = Send codes and links by
page-account-language = Language
page-account-save-profile = Save profile
page-account-addresses = Sign-in addresses
page-account-email = Email
page-account-phone = Phone
page-account-unverified = not confirmed
page-account-none = none
page-account-change-email = New email address
page-account-add-email = Add an email address
page-account-change-phone = New phone number
page-account-add-phone = Add a phone number
page-account-send-code-email = Send a code by email
page-account-send-code-sms = Send a code by SMS
page-account-password = Password
page-account-set-password = Set a password
page-account-current-password = Current password
page-account-current-password-hint = Not needed if you signed in less than { $recent } ago.
page-account-new-password = New password
page-account-change-password = Change password
page-account-error-reauth = Your current password is not right. No password yet? Sign out, sign in again, and do this within { $recent }.
page-account-delete = Delete your account
page-account-delete-intro = This deletes your account and signs you out everywhere. It can't be undone.
page-account-delete-confirm = I understand that my account will be deleted for good.
page-account-delete-submit = Delete my account
page-account-delete-unconfirmed = Tick the box to confirm that you want to delete your account.

## Page: /account/confirm

page-confirm-title = Confirm your new address
page-confirm-code-intro = We sent a code and a link to the new address, unless another account already uses it. Enter the code to confirm that the address is yours.
page-confirm-link-intro = Confirm that this new address should be used for your account.
page-confirm-submit = Confirm address
page-confirm-back = Back to your account
page-confirm-sign-in-title = Sign in to confirm
page-confirm-sign-in-message = Sign in to the account the new address is for, then open the link in the message again.
page-confirm-sign-in = Sign in
page-confirm-unusable-title = This confirmation can't be used
page-confirm-unusable-message = This link or code has already been used, was replaced by a newer one, has expired or is not for this account. Ask for a new one on your account page.

## Page: /dev/inbox

page-inbox-title = Dev inbox
page-inbox-intro = Every email and SMS { $app } sends while the { $provider } provider is active lands here, newest first. As JSON:
page-inbox-empty = No messages yet.
page-inbox-sign-in = Sign in to send one.
page-inbox-filter = Recipient
page-inbox-filter-button = Filter
page-inbox-all = All messages
page-inbox-live = New messages appear here as they arrive.
page-inbox-col-to = To
page-inbox-col-kind = Kind
page-inbox-col-message = Message
page-inbox-col-time = Received
page-inbox-sms = Text message
page-inbox-back = All messages
page-inbox-html = HTML
page-inbox-text = Plain text

## Notices and errors shown on pages

notice-back-to-sign-in = Back to sign in
notice-approved-title = Sign-in approved
notice-approved-message = Go back to the device where you asked to sign in: it signs in by itself in a moment. You can close this page.
notice-cancelled-title = Sign-in cancelled
notice-cancelled-message = That was not the number shown on the device that asked. For your safety this sign-in has been cancelled. If it was you, start again.
notice-form-title = That didn't work
notice-form-message = The form was incomplete or too large. Go back and try again.
notice-csrf-title = Please try again
notice-csrf-message = This form has expired or was sent from another site. Reload the page and try again.
error-title-expired = This sign-in has ended
error-title-link-invalid = This link can't be used
error-title-stopped = Sign-in stopped
error-title-rate-limited = Slow down
error-title-failed = Something went wrong
error-title-generic = That didn't work
error-link-invalid = This sign-in link has already been used, was replaced by a newer one, or is not valid. Start again to get a new one.
error-invalid-code = That code is not right, or it has already been used.
error-invalid-code-remaining = That code is not right. { $remaining ->
    [one] 1 attempt left.
   *[other] { $remaining } attempts left.
}
error-expired = This code or link has expired or was cancelled. Start again to get a new one.
error-too-many-attempts = Too many wrong codes. For your safety this sign-in was stopped; start again to get a new code.
error-rate-limited = Too many requests. Try again in { $wait }.
error-wrong-browser = This sign-in was started in another browser. Continue there, or sign in again here.
error-unauthorized = You are not signed in.
error-forbidden = This API key may not do that.
error-not-found = There is nothing here.
error-conflict = Another account already holds that email address or phone number.
error-unavailable = The service is temporarily unavailable. Try again in a moment.
error-internal = Something went wrong on our side. Try again in a moment.
error-invalid-request = That request was not valid. Go back and try again.
error-invalid-credentials = The email address, phone number or password is not right.
error-weak-password = That password is too easy to guess. Choose a longer one, such as a few unrelated words.

# Recent activity on /account: one label per audit event type (`activity-` + the type
# with dots and underscores as dashes).
activity-title = Recent activity
activity-details = { $ip } · { $device } · { $time }
activity-sign-in-requested = Sign-in code requested by an app
activity-sign-in-succeeded = Signed in
activity-sign-in-failed = Wrong password at sign-in
activity-sign-in-approved = Sign-in approved from another device
activity-code-failed = Wrong or expired code
activity-link-failed = Sign-in link refused
activity-rate-limit-hit = Too many requests
activity-sign-up-requested = Sign-up started
activity-sign-up-verified = Address confirmed at sign-up
activity-account-claimed = Address confirmed; earlier unconfirmed details were replaced
activity-account-created = Account created
activity-account-updated = Account changed by an administrator
activity-profile-updated = Profile changed
activity-password-reset-requested = Password reset requested
activity-password-reset-completed = Password reset
activity-password-changed = Password changed
activity-reauthentication-failed = Wrong current password
activity-identifier-change-requested = New address requested
activity-email-changed = Email address changed
activity-phone-changed = Phone number changed
activity-sessions-revoked = Devices signed out
activity-account-disabled = Account disabled
activity-account-enabled = Account enabled
activity-account-deleted = Account deleted
activity-api-key-created = API key created
activity-api-key-revoked = API key revoked
activity-signing-key-rotated = Token signing key rotated
