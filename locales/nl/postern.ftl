# Postern — Nederlands

## Durations

duration-seconds = { $seconds ->
    [one] 1 seconde
   *[other] { $seconds } seconden
}
duration-minutes = { $minutes ->
    [one] 1 minuut
   *[other] { $minutes } minuten
}
duration-hours = { $hours ->
    [one] 1 uur
   *[other] { $hours } uur
}
duration-days = { $days ->
    [one] 1 dag
   *[other] { $days } dagen
}

## Parts shared by every email

email-code-label = Je code
email-code-line = Je code: { $code }
sms-code-or = Of voer deze code in:
email-code-or = Of voer deze code in:
email-link-fallback = Of plak deze link in je browser:
email-footer = Dit is een automatisch bericht van { $app }.
email-footer-support = Vragen? Mail naar { $support }.
expiry-link-code = De code en de link werken één keer en verlopen over { $lifetime } ({ $expires_at }).
expiry-link = De link werkt één keer en verloopt over { $lifetime } ({ $expires_at }).
expiry-code = De code werkt één keer en verloopt over { $lifetime } ({ $expires_at }).

## Message: sign_in

sign-in-subject = Je inlogcode voor { $app }: { $code }
sign-in-heading = Inloggen bij { $app }
sign-in-intro = Iemand wil met dit e-mailadres inloggen bij { $app }, vanaf { $from }.
sign-in-intro-plain = Iemand wil met dit e-mailadres inloggen bij { $app }.
sign-in-button = Inloggen bij { $app }
sign-in-text-link = Of open deze link om in te loggen:
sign-in-ignore = Was jij dit niet? Negeer dan deze e-mail: zonder de code of de link kan niemand inloggen. Deel de code nooit met iemand, ook niet met mensen die zeggen dat ze voor { $app } werken.
sign-in-sms = { $code } is je inlogcode voor { $app }. Hij verloopt over { $minutes } min. Niet aangevraagd? Negeer dit. Deel hem nooit.

## Message: verification

verification-subject = Bevestig je e-mailadres voor { $app }
verification-heading = Bevestig je e-mailadres
verification-intro = Welkom bij { $app }! Bevestig dat dit e-mailadres van jou is om je account af te ronden.
verification-button = E-mailadres bevestigen
verification-text-link = Open deze link om te bevestigen:
verification-ignore = Heb je geen account bij { $app } aangemaakt? Negeer dan deze e-mail: zonder deze bevestiging wordt er geen account aangemaakt.
verification-change-intro = Iemand wil dit e-mailadres gebruiken voor een { $app }-account. Bevestig dat het van jou is om de wijziging af te ronden.
verification-change-ignore = Heb je hier niet om gevraagd, negeer deze e-mail dan: zonder deze bevestiging verandert er niets.
verification-sms = { $code } is je verificatiecode voor { $app }. Hij verloopt over { $lifetime }.
verification-sms-link = Bevestig je account bij { $app } (de link verloopt over { $lifetime }):

## Message: reset_link and reset_code

reset-subject = Stel je wachtwoord voor { $app } opnieuw in
reset-code-subject = Je code om je wachtwoord voor { $app } opnieuw in te stellen: { $code }
reset-heading = Wachtwoord opnieuw instellen
reset-intro = Iemand wil het wachtwoord van je account bij { $app } opnieuw instellen, vanaf { $from }.
reset-intro-plain = Iemand wil het wachtwoord van je account bij { $app } opnieuw instellen.
reset-button = Nieuw wachtwoord kiezen
reset-text-link = Open deze link om een nieuw wachtwoord te kiezen:
reset-ignore = Was jij dit niet? Negeer dan deze e-mail: je wachtwoord blijft ongewijzigd. Deel de code en de link nooit met iemand.
reset-sms-link = Herstel je wachtwoord voor { $app } (de link is { $lifetime } geldig). Niet aangevraagd? Negeer dit.
reset-sms-code = { $code } is je code om je wachtwoord voor { $app } te herstellen. Geldig: { $lifetime }. Niet aangevraagd? Negeer dit.

## Message: password_changed

password-changed-subject = Je wachtwoord voor { $app } is gewijzigd
password-changed-heading = Je wachtwoord is gewijzigd
password-changed-intro = Het wachtwoord van je account bij { $app } is zojuist gewijzigd en alle apparaten zijn uitgelogd.
password-changed-from = De wijziging is gedaan vanaf { $from }.
password-changed-advice = Was jij dit? Dan hoef je niets meer te doen. Zo niet, stel je wachtwoord dan meteen opnieuw in.
password-changed-button = Inloggen bij { $app }
password-changed-sms = Je wachtwoord voor { $app } is zojuist gewijzigd en alle apparaten zijn uitgelogd. Was jij dit niet? Stel je wachtwoord nu opnieuw in.

## Message: account_exists

account-exists-subject = Je hebt al een account bij { $app }
account-exists-heading = Je hebt al een account
account-exists-intro = Iemand probeerde met dit e-mailadres een account bij { $app } aan te maken, vanaf { $from }. Je hebt al een account, dus er is niets gewijzigd.
account-exists-intro-plain = Iemand probeerde met dit e-mailadres een account bij { $app } aan te maken. Je hebt al een account, dus er is niets gewijzigd.
account-exists-button = Inloggen bij { $app }
account-exists-text-link = Open deze link om in te loggen:
account-exists-ignore = Was jij dit niet? Negeer dan deze e-mail: je account is veilig.
account-exists-sms = Iemand probeerde zich met dit nummer te registreren bij { $app }, maar je hebt al een account. Er is niets gewijzigd.

## Message: identifier_changed

identifier-changed-subject = Het aanmeldadres van je { $app }-account is gewijzigd
identifier-changed-heading = Je aanmeldadres is gewijzigd
identifier-changed-intro = Dit adres is zojuist vervangen in je { $app }-account: berichten en aanmeldingen gaan nu naar het nieuwe adres.
identifier-changed-from = De wijziging is gedaan vanaf { $from }.
identifier-changed-advice = Was jij dit, dan hoef je niets meer te doen. Zo niet, meld je aan en stel direct je wachtwoord opnieuw in, of neem contact op met support.
identifier-changed-button = Aanmelden bij { $app }
identifier-changed-sms = Dit nummer is zojuist vervangen in je { $app }-account. Was jij dit niet? Meld je aan en stel je wachtwoord opnieuw in.

## Page: /login

page-login-title = Inloggen
page-login-intro = We sturen je een code en een link. Geen wachtwoord nodig.
page-login-label = E-mailadres of telefoonnummer
page-login-placeholder = jij@example.com of +31 20 123 4567
page-login-submit = Doorgaan
page-login-error-identifier = Controleer het adres: vul een e-mailadres in, of een telefoonnummer in internationale notatie (beginnend met + en de landcode).
page-login-password-heading = Of log in met je wachtwoord
page-login-password-identifier = E-mail of telefoonnummer
page-login-password-label = Wachtwoord
page-login-password-submit = Inloggen met wachtwoord
page-login-forgot = Wachtwoord vergeten?
page-login-no-account = Nog geen account?
page-login-signup = Account aanmaken
page-login-done-reset = Je wachtwoord is gewijzigd en alle apparaten zijn uitgelogd. Log in met je nieuwe wachtwoord.
page-login-done-deleted = Je account is verwijderd en alle apparaten zijn uitgelogd.
page-password-locked = Te veel mislukte pogingen. Probeer het over { $wait } opnieuw.

## Page: /login/code

page-code-title = Voer je code in
page-code-heading-email = Kijk in je inbox
page-code-heading-sms = Kijk op je telefoon
page-code-sent = We hebben een code en een link gestuurd naar { $masked }. Ze verlopen over { $lifetime }.
page-code-label = Code van 6 cijfers
page-code-submit = Inloggen
page-code-match-intro = Open je de link op een ander apparaat? Dan wordt je gevraagd dit getal te kiezen:
page-code-match-hidden = Te kiezen getal:
page-code-match-wait = Zodra je goedkeurt, logt deze pagina je vanzelf in, of met de knop hieronder.
page-code-poll-ended = Deze inlogpoging is beëindigd: verlopen, al gebruikt of geannuleerd. Begin opnieuw om in te loggen.
page-code-approved-button = Ik heb het op mijn andere apparaat goedgekeurd
page-code-resend = Nieuwe code sturen
page-code-other-address = Een ander adres gebruiken
page-code-resent = We hebben een nieuwe code en link gestuurd. De vorige werken niet meer.
page-code-not-approved = Nog niet goedgekeurd. Open de link op je andere apparaat en kies het getal dat hier staat.
page-code-error-format = De code moet uit 6 cijfers bestaan.

## Page: /login/link

page-link-title = Inloggen
page-link-signing-in = Je wordt ingelogd…
page-link-continue = Doorgaan naar { $app }
page-link-request-heading = Inlogverzoek
page-link-request-intro = Iemand wil inloggen als { $masked }.
page-link-browser = Browser
page-link-ip = IP-adres
page-link-time = Tijd
page-link-warning-strong = Keur alleen een inlogpoging goed die je zelf bent begonnen.
page-link-warning = Wilde je niet net inloggen? Sluit dan deze pagina: zonder jouw goedkeuring komt niemand binnen.
page-link-legend = Kies het getal dat het aanvragende apparaat toont om het goed te keuren
page-link-other-device = In plaats daarvan op dit apparaat inloggen
page-link-pick-number = Kies een van de drie getallen, of log in op dit apparaat.

## Page: /account

page-account-title = Je account
page-account-signed-in-as = Ingelogd als { $who }.
page-account-devices = Je apparaten
page-account-this-device = dit apparaat
page-account-device-details = { $ip } · ingelogd { $created } · laatst gezien { $seen }
page-account-revoke = Dit apparaat uitloggen
page-account-sign-out = Uitloggen
page-account-sign-out-others = Andere apparaten uitloggen
page-account-sign-out-all = Overal uitloggen

## Page: /signup

page-channel-email = E-mail
page-channel-sms = Sms
page-signup-title = Account aanmaken
page-signup-intro = Kies een wachtwoord en bevestig daarna je adres met de code die we je sturen.
page-signup-email = E-mailadres
page-signup-phone = Telefoonnummer (optioneel)
page-signup-phone-hint = In internationale notatie, beginnend met + en de landcode.
page-signup-password = Wachtwoord
page-signup-password-hint = Minstens { $min } tekens. Een paar losse woorden vormen een sterk wachtwoord.
page-signup-name = Naam (optioneel)
page-signup-channel = Codes en links sturen via
page-signup-submit = Account aanmaken
page-signup-have-account = Heb je al een account?
page-signup-login = Inloggen
page-signup-error-address = Vul een e-mailadres of een telefoonnummer in.
page-signup-error-sms = Vul ook een telefoonnummer in om codes per sms te krijgen.
page-signup-closed-title = Registratie gesloten
page-signup-closed-message = Hier kunnen geen nieuwe accounts worden aangemaakt. Heb je al een account? Log dan in.

## Page: /forgot-password and /reset-password

page-forgot-title = Wachtwoord vergeten?
page-forgot-intro = Vul het e-mailadres of telefoonnummer van je account in. We sturen je een code en een link om een nieuw wachtwoord te kiezen.
page-forgot-label = Je e-mailadres of telefoonnummer
page-forgot-submit = Herstelcode sturen
page-reset-title = Kies een nieuw wachtwoord
page-reset-code-intro = Als er een account bij dat adres hoort, hebben we er een code en een link naartoe gestuurd. Vul de code in en kies een nieuw wachtwoord.
page-reset-link-intro = Kies een nieuw wachtwoord voor je account. Alle apparaten worden uitgelogd.
page-reset-new-password = Nieuw wachtwoord
page-reset-submit = Wachtwoord wijzigen
page-reset-start-again = Opnieuw beginnen
page-reset-unusable-title = Dit herstel kan niet worden gebruikt
page-reset-unusable-message = Deze herstellink of -code is al gebruikt, vervangen door een nieuwere, verlopen of ongeldig. Begin opnieuw om een nieuwe te krijgen.

## Page: /account (profile, addresses, password, deletion)

page-account-done-profile = Je profiel is opgeslagen.
page-account-done-password = Je wachtwoord is gewijzigd. Je andere apparaten zijn uitgelogd.
page-account-done-identifier = Je nieuwe adres is bevestigd: codes, links en inlogpogingen gebruiken het nu.
page-account-profile = Profiel
page-account-name = Naam
page-account-channel = Codes en links sturen via
page-account-language = Taal
page-account-save-profile = Profiel opslaan
page-account-addresses = Inlogadressen
page-account-email = E-mail
page-account-phone = Telefoon
page-account-unverified = niet bevestigd
page-account-none = geen
page-account-change-email = Nieuw e-mailadres
page-account-add-email = E-mailadres toevoegen
page-account-change-phone = Nieuw telefoonnummer
page-account-add-phone = Telefoonnummer toevoegen
page-account-send-code-email = Code per e-mail sturen
page-account-send-code-sms = Code per sms sturen
page-account-password = Wachtwoord
page-account-set-password = Wachtwoord instellen
page-account-current-password = Huidig wachtwoord
page-account-current-password-hint = Niet nodig als je minder dan { $recent } geleden bent ingelogd.
page-account-new-password = Nieuw wachtwoord
page-account-change-password = Wachtwoord wijzigen
page-account-error-reauth = Je huidige wachtwoord klopt niet. Nog geen wachtwoord? Log uit, log opnieuw in en doe dit binnen { $recent }.
page-account-delete = Je account verwijderen
page-account-delete-intro = Hiermee wordt je account verwijderd en word je overal uitgelogd. Dit kan niet ongedaan worden gemaakt.
page-account-delete-confirm = Ik begrijp dat mijn account definitief wordt verwijderd.
page-account-delete-submit = Mijn account verwijderen
page-account-delete-unconfirmed = Vink het vakje aan om te bevestigen dat je je account wilt verwijderen.

## Page: /account/confirm

page-confirm-title = Bevestig je nieuwe adres
page-confirm-code-intro = We hebben een code en een link naar het nieuwe adres gestuurd, tenzij een ander account het al gebruikt. Vul de code in om te bevestigen dat het adres van jou is.
page-confirm-link-intro = Bevestig dat dit nieuwe adres voor je account moet worden gebruikt.
page-confirm-submit = Adres bevestigen
page-confirm-back = Terug naar je account
page-confirm-sign-in-title = Log in om te bevestigen
page-confirm-sign-in-message = Log in op het account waarvoor het nieuwe adres bedoeld is en open daarna de link in het bericht opnieuw.
page-confirm-sign-in = Inloggen
page-confirm-unusable-title = Deze bevestiging kan niet worden gebruikt
page-confirm-unusable-message = Deze link of code is al gebruikt, vervangen door een nieuwere, verlopen of hoort niet bij dit account. Vraag een nieuwe aan op je accountpagina.

## Page: /dev/inbox

page-inbox-title = Ontwikkelaarsinbox
page-inbox-intro = Elke e-mail en sms die { $app } verstuurt terwijl de provider { $provider } actief is, komt hier terecht, nieuwste eerst. Als JSON:
page-inbox-empty = Nog geen berichten.
page-inbox-sign-in = Log in om er een te versturen.
page-inbox-filter = Ontvanger
page-inbox-filter-button = Filteren
page-inbox-all = Alle berichten
page-inbox-live = Nieuwe berichten verschijnen hier zodra ze binnenkomen.
page-inbox-col-to = Aan
page-inbox-col-kind = Soort
page-inbox-col-message = Bericht
page-inbox-col-time = Ontvangen
page-inbox-sms = Sms
page-inbox-back = Alle berichten
page-inbox-html = HTML
page-inbox-text = Platte tekst

## Notices and errors shown on pages

notice-back-to-sign-in = Terug naar inloggen
notice-approved-title = Inloggen goedgekeurd
notice-approved-message = Ga terug naar het apparaat waarop je wilde inloggen: dat logt zo vanzelf in. Je kunt deze pagina sluiten.
notice-cancelled-title = Inloggen geannuleerd
notice-cancelled-message = Dat was niet het getal dat op het aanvragende apparaat stond. Voor je veiligheid is deze inlogpoging geannuleerd. Was jij het wel? Begin dan opnieuw.
notice-form-title = Dat is niet gelukt
notice-form-message = Het formulier was onvolledig of te groot. Ga terug en probeer het opnieuw.
notice-csrf-title = Probeer het opnieuw
notice-csrf-message = Dit formulier is verlopen of is vanaf een andere site verstuurd. Laad de pagina opnieuw en probeer het nog eens.
error-title-expired = Deze inlogpoging is beëindigd
error-title-link-invalid = Deze link kan niet worden gebruikt
error-title-stopped = Inloggen gestopt
error-title-rate-limited = Even rustig aan
error-title-failed = Er ging iets mis
error-title-generic = Dat is niet gelukt
error-link-invalid = Deze inloglink is al gebruikt, vervangen door een nieuwere of niet geldig. Begin opnieuw om een nieuwe te krijgen.
error-invalid-code = Die code klopt niet, of is al gebruikt.
error-invalid-code-remaining = Die code klopt niet. { $remaining ->
    [one] Nog 1 poging over.
   *[other] Nog { $remaining } pogingen over.
}
error-expired = Deze code of link is verlopen of geannuleerd. Begin opnieuw om een nieuwe te krijgen.
error-too-many-attempts = Te veel verkeerde codes. Voor je veiligheid is deze inlogpoging gestopt; begin opnieuw om een nieuwe code te krijgen.
error-rate-limited = Te veel verzoeken. Probeer het over { $wait } opnieuw.
error-wrong-browser = Deze inlogpoging is in een andere browser begonnen. Ga daar verder, of log hier opnieuw in.
error-unauthorized = Je bent niet ingelogd.
error-forbidden = Deze API-sleutel mag dat niet.
error-not-found = Hier is niets.
error-conflict = Een ander account gebruikt dat e-mailadres of telefoonnummer al.
error-unavailable = De dienst is tijdelijk niet beschikbaar. Probeer het zo opnieuw.
error-internal = Er ging bij ons iets mis. Probeer het zo opnieuw.
error-invalid-request = Dat verzoek was niet geldig. Ga terug en probeer het opnieuw.
error-invalid-credentials = Het e-mailadres, telefoonnummer of wachtwoord klopt niet.
error-weak-password = Dat wachtwoord is te makkelijk te raden. Kies een langer wachtwoord, bijvoorbeeld een paar losse woorden.

activity-title = Recente activiteit
activity-details = { $ip } · { $device } · { $time }
activity-sign-in-requested = Inlogcode aangevraagd door een app
activity-sign-in-succeeded = Ingelogd
activity-sign-in-failed = Verkeerd wachtwoord bij inloggen
activity-sign-in-approved = Inloggen goedgekeurd vanaf een ander apparaat
activity-code-failed = Verkeerde of verlopen code
activity-link-failed = Inloglink geweigerd
activity-rate-limit-hit = Te veel verzoeken
activity-sign-up-requested = Registratie gestart
activity-sign-up-verified = Adres bevestigd bij registratie
activity-account-claimed = Adres bevestigd; eerdere onbevestigde gegevens zijn vervangen
activity-account-created = Account aangemaakt
activity-account-updated = Account gewijzigd door een beheerder
activity-profile-updated = Profiel gewijzigd
activity-password-reset-requested = Wachtwoordherstel aangevraagd
activity-password-reset-completed = Wachtwoord hersteld
activity-password-changed = Wachtwoord gewijzigd
activity-reauthentication-failed = Verkeerd huidig wachtwoord
activity-identifier-change-requested = Nieuw adres aangevraagd
activity-email-changed = E-mailadres gewijzigd
activity-phone-changed = Telefoonnummer gewijzigd
activity-sessions-revoked = Apparaten uitgelogd
activity-account-disabled = Account geblokkeerd
activity-account-enabled = Account gedeblokkeerd
activity-account-deleted = Account verwijderd
activity-api-key-created = API-sleutel aangemaakt
activity-api-key-revoked = API-sleutel ingetrokken
activity-signing-key-rotated = Ondertekeningssleutel voor tokens vervangen
