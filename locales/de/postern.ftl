# Postern — Deutsch

## Durations

duration-seconds = { $seconds ->
    [one] 1 Sekunde
   *[other] { $seconds } Sekunden
}
duration-minutes = { $minutes ->
    [one] 1 Minute
   *[other] { $minutes } Minuten
}
duration-hours = { $hours ->
    [one] 1 Stunde
   *[other] { $hours } Stunden
}
duration-days = { $days ->
    [one] 1 Tag
   *[other] { $days } Tagen
}

## Parts shared by every email

email-code-label = Ihr Code
email-code-line = Ihr Code: { $code }
sms-code-or = Oder diesen Code eingeben:
email-code-or = Oder geben Sie diesen Code ein:
email-link-fallback = Oder fügen Sie diesen Link in Ihren Browser ein:
email-footer = Dies ist eine automatische Nachricht von { $app }.
email-footer-support = Fragen? Schreiben Sie an { $support }.
expiry-link-code = Code und Link funktionieren nur einmal und laufen in { $lifetime } ab ({ $expires_at }).
expiry-link = Der Link funktioniert nur einmal und läuft in { $lifetime } ab ({ $expires_at }).
expiry-code = Der Code funktioniert nur einmal und läuft in { $lifetime } ab ({ $expires_at }).

## Message: sign_in

sign-in-subject = Ihr Anmeldecode für { $app }: { $code }
sign-in-heading = Bei { $app } anmelden
sign-in-intro = Jemand möchte sich mit dieser E-Mail-Adresse bei { $app } anmelden, über { $from }.
sign-in-intro-plain = Jemand möchte sich mit dieser E-Mail-Adresse bei { $app } anmelden.
sign-in-button = Bei { $app } anmelden
sign-in-text-link = Oder öffnen Sie diesen Link, um sich anzumelden:
sign-in-ignore = Waren Sie das nicht? Dann ignorieren Sie diese E-Mail: Ohne den Code oder den Link kann sich niemand anmelden. Geben Sie den Code niemals weiter, auch nicht an Personen, die behaupten, für { $app } zu arbeiten.
sign-in-sms = { $code } ist Ihr Anmeldecode für { $app }. Gültig für { $minutes } Min. Nicht angefordert? Ignorieren. Niemals weitergeben.

## Message: verification

verification-subject = Bestätigen Sie Ihre E-Mail-Adresse für { $app }
verification-heading = Bestätigen Sie Ihre E-Mail-Adresse
verification-intro = Willkommen bei { $app }! Bestätigen Sie, dass diese E-Mail-Adresse Ihnen gehört, um Ihr Konto fertig einzurichten.
verification-button = E-Mail-Adresse bestätigen
verification-text-link = Öffnen Sie diesen Link zur Bestätigung:
verification-ignore = Wenn Sie kein Konto bei { $app } erstellt haben, ignorieren Sie diese E-Mail: Ohne diese Bestätigung wird kein Konto angelegt.
verification-change-intro = Jemand möchte diese E-Mail-Adresse für ein { $app }-Konto verwenden. Bestätigen Sie, dass sie Ihnen gehört, um die Änderung abzuschließen.
verification-change-ignore = Wenn Sie das nicht angefordert haben, ignorieren Sie diese E-Mail: Ohne diese Bestätigung ändert sich nichts.
verification-sms = { $code } ist Ihr Bestätigungscode für { $app }. Er läuft in { $lifetime } ab.
verification-sms-link = Bestätigen Sie Ihr Konto bei { $app } (der Link läuft in { $lifetime } ab):

## Message: reset_link and reset_code

reset-subject = Setzen Sie Ihr Passwort für { $app } zurück
reset-code-subject = Ihr Code zum Zurücksetzen des Passworts für { $app }: { $code }
reset-heading = Passwort zurücksetzen
reset-intro = Jemand möchte das Passwort Ihres Kontos bei { $app } zurücksetzen, über { $from }.
reset-intro-plain = Jemand möchte das Passwort Ihres Kontos bei { $app } zurücksetzen.
reset-button = Neues Passwort festlegen
reset-text-link = Öffnen Sie diesen Link, um ein neues Passwort festzulegen:
reset-ignore = Waren Sie das nicht? Dann ignorieren Sie diese E-Mail: Ihr Passwort bleibt unverändert. Geben Sie den Code und den Link niemals weiter.
reset-sms-link = Passwort für { $app } zurücksetzen (Link gültig für { $lifetime }). Nicht angefordert? Ignorieren.
reset-sms-code = { $code } ist Ihr Code zum Zurücksetzen des Passworts für { $app }. Gültig für { $lifetime }. Nicht angefordert? Ignorieren.

## Message: password_changed

password-changed-subject = Ihr Passwort für { $app } wurde geändert
password-changed-heading = Ihr Passwort wurde geändert
password-changed-intro = Das Passwort Ihres Kontos bei { $app } wurde gerade geändert, und alle Geräte wurden abgemeldet.
password-changed-from = Die Änderung erfolgte über { $from }.
password-changed-advice = Wenn Sie das waren, müssen Sie nichts weiter tun. Wenn nicht, setzen Sie Ihr Passwort sofort zurück.
password-changed-button = Bei { $app } anmelden
password-changed-sms = Ihr Passwort für { $app } wurde geändert und alle Geräte wurden abgemeldet. Nicht Sie? Setzen Sie es jetzt zurück.

## Message: account_exists

account-exists-subject = Sie haben bereits ein Konto bei { $app }
account-exists-heading = Sie haben bereits ein Konto
account-exists-intro = Jemand hat versucht, mit dieser E-Mail-Adresse ein Konto bei { $app } zu erstellen, über { $from }. Sie haben bereits ein Konto, daher wurde nichts geändert.
account-exists-intro-plain = Jemand hat versucht, mit dieser E-Mail-Adresse ein Konto bei { $app } zu erstellen. Sie haben bereits ein Konto, daher wurde nichts geändert.
account-exists-button = Bei { $app } anmelden
account-exists-text-link = Öffnen Sie diesen Link, um sich anzumelden:
account-exists-ignore = Waren Sie das nicht? Dann ignorieren Sie diese E-Mail: Ihr Konto ist sicher.
account-exists-sms = Jemand hat versucht, sich mit dieser Nummer bei { $app } zu registrieren, aber Sie haben bereits ein Konto. Es wurde nichts geändert.

## Message: identifier_changed

identifier-changed-subject = Ihre Anmeldeadresse bei { $app } wurde geändert
identifier-changed-heading = Ihre Anmeldeadresse wurde geändert
identifier-changed-intro = Diese Adresse wurde in Ihrem { $app }-Konto soeben ersetzt: Nachrichten und Anmeldungen gehen jetzt an die neue.
identifier-changed-from = Die Änderung wurde von { $from } aus vorgenommen.
identifier-changed-advice = Wenn Sie das waren, ist nichts weiter zu tun. Wenn nicht, melden Sie sich an und setzen Sie sofort Ihr Passwort zurück oder wenden Sie sich an den Support.
identifier-changed-button = Bei { $app } anmelden
identifier-changed-sms = Diese Nummer wurde in Ihrem { $app }-Konto soeben ersetzt. Nicht Sie? Melden Sie sich an und setzen Sie Ihr Passwort zurück.

## Page: /login

page-login-title = Anmelden
page-login-intro = Wir senden Ihnen einen Code und einen Link. Kein Passwort nötig.
page-login-label = E-Mail-Adresse oder Telefonnummer
page-login-placeholder = sie@example.com oder +49 30 901820
page-login-submit = Weiter
page-login-error-identifier = Prüfen Sie die Adresse: Geben Sie eine E-Mail-Adresse ein oder eine Telefonnummer im internationalen Format (mit + und Ländervorwahl).
page-login-password-heading = Oder mit Ihrem Passwort anmelden
page-login-password-identifier = E-Mail oder Telefonnummer
page-login-password-label = Passwort
page-login-password-submit = Mit Passwort anmelden
page-login-forgot = Passwort vergessen?
page-login-no-account = Noch kein Konto?
page-login-signup = Konto erstellen
page-login-done-reset = Ihr Passwort wurde geändert und alle Geräte wurden abgemeldet. Melden Sie sich mit Ihrem neuen Passwort an.
page-login-done-deleted = Ihr Konto wurde gelöscht und alle Geräte wurden abgemeldet.
page-password-locked = Zu viele fehlgeschlagene Versuche. Versuchen Sie es in { $wait } erneut.

## Page: /login/code

page-code-title = Code eingeben
page-code-heading-email = Sehen Sie in Ihr Postfach
page-code-heading-sms = Sehen Sie auf Ihr Telefon
page-code-sent = Wir haben einen Code und einen Link an { $masked } gesendet. Sie laufen in { $lifetime } ab.
page-code-label = 6-stelliger Code
page-code-submit = Anmelden
page-code-match-intro = Öffnen Sie den Link auf einem anderen Gerät? Dort werden Sie gebeten, diese Zahl auszuwählen:
page-code-match-hidden = Auszuwählende Zahl:
page-code-match-wait = Sobald Sie zustimmen, meldet diese Seite Sie automatisch an – oder mit der Schaltfläche unten.
page-code-poll-ended = Diese Anmeldung ist beendet: Sie ist abgelaufen, wurde verwendet oder abgebrochen. Beginnen Sie neu, um sich anzumelden.
page-code-approved-button = Ich habe auf meinem anderen Gerät zugestimmt
page-code-resend = Neuen Code senden
page-code-other-address = Andere Adresse verwenden
page-code-resent = Wir haben einen neuen Code und Link gesendet. Die vorherigen funktionieren nicht mehr.
page-code-not-approved = Noch nicht bestätigt. Öffnen Sie den Link auf Ihrem anderen Gerät und wählen Sie die hier angezeigte Zahl.
page-code-error-format = Der Code muss aus 6 Ziffern bestehen.

## Page: /login/link

page-link-title = Anmelden
page-link-signing-in = Sie werden angemeldet …
page-link-continue = Weiter zu { $app }
page-link-request-heading = Anmeldeanfrage
page-link-request-intro = Jemand möchte sich als { $masked } anmelden.
page-link-browser = Browser
page-link-ip = IP-Adresse
page-link-time = Zeit
page-link-warning-strong = Bestätigen Sie nur eine Anmeldung, die Sie selbst gestartet haben.
page-link-warning = Wenn Sie sich nicht gerade anmelden wollten, schließen Sie diese Seite: Ohne Ihre Zustimmung kommt niemand hinein.
page-link-legend = Wählen Sie zur Bestätigung die Zahl, die das anfragende Gerät anzeigt
page-link-other-device = Stattdessen auf diesem Gerät anmelden
page-link-pick-number = Wählen Sie eine der drei Zahlen oder melden Sie sich auf diesem Gerät an.

## Page: /account

page-account-title = Ihr Konto
page-account-signed-in-as = Angemeldet als { $who }.
page-account-devices = Ihre Geräte
page-account-this-device = dieses Gerät
page-account-device-details = { $ip } · angemeldet { $created } · zuletzt aktiv { $seen }
page-account-revoke = Dieses Gerät abmelden
page-account-sign-out = Abmelden
page-account-sign-out-others = Andere Geräte abmelden
page-account-sign-out-all = Überall abmelden

## Page: /signup

page-channel-email = E-Mail
page-channel-sms = Textnachricht (SMS)
page-signup-title = Konto erstellen
page-signup-intro = Wählen Sie ein Passwort und bestätigen Sie dann Ihre Adresse mit dem Code, den wir Ihnen senden.
page-signup-email = E-Mail-Adresse
page-signup-phone = Telefonnummer (optional)
page-signup-phone-hint = Im internationalen Format, mit + und Ländervorwahl.
page-signup-password = Passwort
page-signup-password-hint = Mindestens { $min } Zeichen. Einige zusammenhanglose Wörter ergeben ein starkes Passwort.
page-signup-name = Name (optional)
page-signup-channel = Codes und Links senden per
page-signup-submit = Konto erstellen
page-signup-have-account = Sie haben schon ein Konto?
page-signup-login = Anmelden
page-signup-error-address = Geben Sie eine E-Mail-Adresse oder eine Telefonnummer ein.
page-signup-error-sms = Um Codes per SMS zu erhalten, geben Sie auch eine Telefonnummer ein.
page-signup-closed-title = Registrierung geschlossen
page-signup-closed-message = Hier können keine neuen Konten erstellt werden. Wenn Sie schon ein Konto haben, melden Sie sich an.

## Page: /forgot-password and /reset-password

page-forgot-title = Passwort vergessen?
page-forgot-intro = Geben Sie die E-Mail-Adresse oder Telefonnummer Ihres Kontos ein. Wir senden Ihnen einen Code und einen Link, um ein neues Passwort zu wählen.
page-forgot-label = Ihre E-Mail-Adresse oder Telefonnummer
page-forgot-submit = Code zum Zurücksetzen senden
page-reset-title = Neues Passwort wählen
page-reset-code-intro = Wenn es für diese Adresse ein Konto gibt, haben wir einen Code und einen Link dorthin gesendet. Geben Sie den Code ein und wählen Sie ein neues Passwort.
page-reset-link-intro = Wählen Sie ein neues Passwort für Ihr Konto. Alle Geräte werden abgemeldet.
page-reset-new-password = Neues Passwort
page-reset-submit = Passwort ändern
page-reset-start-again = Neu beginnen
page-reset-unusable-title = Dieses Zurücksetzen ist nicht möglich
page-reset-unusable-message = Dieser Link oder Code zum Zurücksetzen des Passworts wurde bereits verwendet, durch einen neueren ersetzt, ist abgelaufen oder ungültig. Beginnen Sie neu, um einen neuen zu erhalten.

## Page: /account (profile, addresses, password, deletion)

page-account-done-profile = Ihr Profil wurde gespeichert.
page-account-done-password = Ihr Passwort wurde geändert. Ihre anderen Geräte wurden abgemeldet.
page-account-done-identifier = Ihre neue Adresse ist bestätigt: Codes, Links und Anmeldungen verwenden jetzt sie.
page-account-profile = Profil
page-account-name = Name
page-account-channel = Codes und Links senden per
page-account-language = Sprache
page-account-save-profile = Profil speichern
page-account-addresses = Anmeldeadressen
page-account-email = E-Mail
page-account-phone = Telefon
page-account-unverified = nicht bestätigt
page-account-none = keine
page-account-change-email = Neue E-Mail-Adresse
page-account-add-email = E-Mail-Adresse hinzufügen
page-account-change-phone = Neue Telefonnummer
page-account-add-phone = Telefonnummer hinzufügen
page-account-send-code-email = Code per E-Mail senden
page-account-send-code-sms = Code per SMS senden
page-account-password = Passwort
page-account-set-password = Passwort festlegen
page-account-current-password = Aktuelles Passwort
page-account-current-password-hint = Nicht nötig, wenn Sie sich vor weniger als { $recent } angemeldet haben.
page-account-new-password = Neues Passwort
page-account-change-password = Passwort ändern
page-account-error-reauth = Ihr aktuelles Passwort ist nicht richtig. Noch kein Passwort? Melden Sie sich ab, wieder an und erledigen Sie dies innerhalb von { $recent }.
page-account-delete = Konto löschen
page-account-delete-intro = Damit wird Ihr Konto gelöscht und Sie werden überall abgemeldet. Das lässt sich nicht rückgängig machen.
page-account-delete-confirm = Ich verstehe, dass mein Konto endgültig gelöscht wird.
page-account-delete-submit = Mein Konto löschen
page-account-delete-unconfirmed = Setzen Sie das Häkchen, um zu bestätigen, dass Sie Ihr Konto löschen möchten.

## Page: /account/confirm

page-confirm-title = Neue Adresse bestätigen
page-confirm-code-intro = Wir haben einen Code und einen Link an die neue Adresse gesendet, sofern sie nicht schon zu einem anderen Konto gehört. Geben Sie den Code ein, um zu bestätigen, dass die Adresse Ihnen gehört.
page-confirm-link-intro = Bestätigen Sie, dass diese neue Adresse für Ihr Konto verwendet werden soll.
page-confirm-submit = Adresse bestätigen
page-confirm-back = Zurück zu Ihrem Konto
page-confirm-sign-in-title = Zum Bestätigen anmelden
page-confirm-sign-in-message = Melden Sie sich bei dem Konto an, für das die neue Adresse bestimmt ist, und öffnen Sie dann den Link in der Nachricht erneut.
page-confirm-sign-in = Anmelden
page-confirm-unusable-title = Diese Bestätigung ist nicht möglich
page-confirm-unusable-message = Dieser Link oder Code wurde bereits verwendet, durch einen neueren ersetzt, ist abgelaufen oder gehört nicht zu diesem Konto. Fordern Sie auf Ihrer Kontoseite einen neuen an.

## Page: /dev/inbox

page-inbox-title = Entwickler-Postfach
page-inbox-intro = Jede E-Mail und SMS, die { $app } sendet, solange der Anbieter { $provider } aktiv ist, landet hier, die neueste zuerst. Als JSON:
page-inbox-empty = Noch keine Nachrichten.
page-inbox-sign-in = Melden Sie sich an, um eine zu senden.
page-inbox-filter = Empfänger
page-inbox-filter-button = Filtern
page-inbox-all = Alle Nachrichten
page-inbox-live = Neue Nachrichten erscheinen hier, sobald sie eintreffen.
page-inbox-col-to = An
page-inbox-col-kind = Art
page-inbox-col-message = Nachricht
page-inbox-col-time = Empfangen
page-inbox-sms = SMS
page-inbox-back = Alle Nachrichten
page-inbox-html = HTML
page-inbox-text = Nur Text

## Notices and errors shown on pages

notice-back-to-sign-in = Zurück zur Anmeldung
notice-approved-title = Anmeldung bestätigt
notice-approved-message = Kehren Sie zu dem Gerät zurück, auf dem Sie die Anmeldung angefordert haben: Es meldet sich gleich von selbst an. Sie können diese Seite schließen.
notice-cancelled-title = Anmeldung abgebrochen
notice-cancelled-message = Das war nicht die Zahl, die auf dem anfragenden Gerät angezeigt wurde. Zu Ihrer Sicherheit wurde diese Anmeldung abgebrochen. Wenn Sie es waren, beginnen Sie neu.
notice-form-title = Das hat nicht funktioniert
notice-form-message = Das Formular war unvollständig oder zu groß. Gehen Sie zurück und versuchen Sie es erneut.
notice-csrf-title = Bitte versuchen Sie es erneut
notice-csrf-message = Dieses Formular ist abgelaufen oder wurde von einer anderen Website gesendet. Laden Sie die Seite neu und versuchen Sie es erneut.
error-title-expired = Diese Anmeldung ist beendet
error-title-link-invalid = Dieser Link kann nicht verwendet werden
error-title-stopped = Anmeldung gestoppt
error-title-rate-limited = Etwas langsamer, bitte
error-title-failed = Etwas ist schiefgelaufen
error-title-generic = Das hat nicht funktioniert
error-link-invalid = Dieser Anmeldelink wurde bereits verwendet, durch einen neueren ersetzt oder ist ungültig. Beginnen Sie neu, um einen neuen zu erhalten.
error-invalid-code = Dieser Code ist nicht richtig oder wurde bereits verwendet.
error-invalid-code-remaining = Dieser Code ist nicht richtig. { $remaining ->
    [one] Noch 1 Versuch.
   *[other] Noch { $remaining } Versuche.
}
error-expired = Dieser Code oder Link ist abgelaufen oder wurde abgebrochen. Beginnen Sie neu, um einen neuen zu erhalten.
error-too-many-attempts = Zu viele falsche Codes. Zu Ihrer Sicherheit wurde diese Anmeldung gestoppt; beginnen Sie neu, um einen neuen Code zu erhalten.
error-rate-limited = Zu viele Anfragen. Versuchen Sie es in { $wait } erneut.
error-wrong-browser = Diese Anmeldung wurde in einem anderen Browser gestartet. Fahren Sie dort fort oder melden Sie sich hier erneut an.
error-unauthorized = Sie sind nicht angemeldet.
error-forbidden = Dieser API-Schlüssel darf das nicht.
error-not-found = Hier gibt es nichts.
error-conflict = Ein anderes Konto verwendet diese E-Mail-Adresse oder Telefonnummer bereits.
error-unavailable = Der Dienst ist vorübergehend nicht verfügbar. Versuchen Sie es gleich noch einmal.
error-internal = Bei uns ist etwas schiefgelaufen. Versuchen Sie es gleich noch einmal.
error-invalid-request = Diese Anfrage war ungültig. Gehen Sie zurück und versuchen Sie es erneut.
error-invalid-credentials = E-Mail-Adresse, Telefonnummer oder Passwort stimmen nicht.
error-weak-password = Dieses Passwort ist zu leicht zu erraten. Wählen Sie ein längeres, zum Beispiel einige Wörter ohne Zusammenhang.

activity-title = Letzte Aktivitäten
activity-details = { $ip } · { $device } · { $time }
activity-sign-in-requested = Anmeldecode von einer App angefordert
activity-sign-in-succeeded = Angemeldet
activity-sign-in-failed = Falsches Passwort bei der Anmeldung
activity-sign-in-approved = Anmeldung von einem anderen Gerät bestätigt
activity-code-failed = Falscher oder abgelaufener Code
activity-link-failed = Anmeldelink abgelehnt
activity-rate-limit-hit = Zu viele Anfragen
activity-sign-up-requested = Registrierung begonnen
activity-sign-up-verified = Adresse bei der Registrierung bestätigt
activity-account-claimed = Adresse bestätigt; frühere unbestätigte Angaben wurden ersetzt
activity-account-created = Konto erstellt
activity-account-updated = Konto von einem Administrator geändert
activity-profile-updated = Profil geändert
activity-password-reset-requested = Zurücksetzen des Passworts angefordert
activity-password-reset-completed = Passwort zurückgesetzt
activity-password-changed = Passwort geändert
activity-reauthentication-failed = Falsches aktuelles Passwort
activity-identifier-change-requested = Neue Adresse angefordert
activity-email-changed = E-Mail-Adresse geändert
activity-phone-changed = Telefonnummer geändert
activity-sessions-revoked = Geräte abgemeldet
activity-account-disabled = Konto gesperrt
activity-account-enabled = Konto entsperrt
activity-account-deleted = Konto gelöscht
activity-api-key-created = API-Schlüssel erstellt
activity-api-key-revoked = API-Schlüssel widerrufen
activity-signing-key-rotated = Token-Signaturschlüssel gewechselt
