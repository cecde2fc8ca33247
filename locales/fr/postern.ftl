# Postern — Français

## Durations

duration-seconds = { $seconds ->
    [one] { $seconds } seconde
   *[other] { $seconds } secondes
}
duration-minutes = { $minutes ->
    [one] { $minutes } minute
   *[other] { $minutes } minutes
}
duration-hours = { $hours ->
    [one] { $hours } heure
   *[other] { $hours } heures
}
duration-days = { $days ->
    [one] { $days } jour
   *[other] { $days } jours
}

## Parts shared by every email

email-code-label = Votre code
email-code-line = Votre code : { $code }
sms-code-or = Ou saisissez ce code :
email-code-or = Ou saisissez ce code :
email-link-fallback = Ou collez ce lien dans votre navigateur :
email-footer = Ceci est un message automatique de { $app }.
email-footer-support = Des questions ? Écrivez à { $support }.
expiry-link-code = Le code et le lien ne fonctionnent qu’une fois et expirent dans { $lifetime } ({ $expires_at }).
expiry-link = Le lien ne fonctionne qu’une fois et expire dans { $lifetime } ({ $expires_at }).
expiry-code = Le code ne fonctionne qu’une fois et expire dans { $lifetime } ({ $expires_at }).

## Message: sign_in

sign-in-subject = Votre code de connexion à { $app } : { $code }
sign-in-heading = Connexion à { $app }
sign-in-intro = Quelqu’un a demandé à se connecter à { $app } avec cette adresse e-mail, depuis { $from }.
sign-in-intro-plain = Quelqu’un a demandé à se connecter à { $app } avec cette adresse e-mail.
sign-in-button = Se connecter à { $app }
sign-in-text-link = Ou ouvrez ce lien pour vous connecter :
sign-in-ignore = Si ce n’était pas vous, ignorez cet e-mail : personne ne peut se connecter sans le code ou le lien. Ne communiquez jamais ce code, même à quelqu’un qui prétend travailler pour { $app }.
sign-in-sms = { $code } est votre code de connexion à { $app }. Il expire dans { $minutes } min. Pas vous ? Ignorez ce message. Ne le partagez jamais.

## Message: verification

verification-subject = Confirmez votre adresse e-mail pour { $app }
verification-heading = Confirmez votre adresse e-mail
verification-intro = Bienvenue sur { $app } ! Confirmez que cette adresse e-mail est bien la vôtre pour terminer la création de votre compte.
verification-button = Confirmer l’adresse e-mail
verification-text-link = Ouvrez ce lien pour confirmer :
verification-ignore = Si vous n’avez pas créé de compte sur { $app }, ignorez cet e-mail : aucun compte n’est créé sans cette confirmation.
verification-change-intro = Quelqu’un souhaite utiliser cette adresse e-mail pour un compte { $app }. Confirmez qu’elle vous appartient pour terminer la modification.
verification-change-ignore = Si vous n’êtes pas à l’origine de cette demande, ignorez cet e-mail : rien ne change sans cette confirmation.
verification-sms = { $code } est votre code de vérification { $app }. Il expire dans { $lifetime }.
verification-sms-link = Confirmez votre compte { $app } (le lien expire dans { $lifetime }) :

## Message: reset_link and reset_code

reset-subject = Réinitialisez votre mot de passe { $app }
reset-code-subject = Votre code de réinitialisation du mot de passe { $app } : { $code }
reset-heading = Réinitialiser votre mot de passe
reset-intro = Quelqu’un a demandé à réinitialiser le mot de passe de votre compte { $app }, depuis { $from }.
reset-intro-plain = Quelqu’un a demandé à réinitialiser le mot de passe de votre compte { $app }.
reset-button = Choisir un nouveau mot de passe
reset-text-link = Ouvrez ce lien pour choisir un nouveau mot de passe :
reset-ignore = Si ce n’était pas vous, ignorez cet e-mail : votre mot de passe reste inchangé. Ne communiquez jamais le code ni le lien.
reset-sms-link = Réinitialisez le mot de passe { $app } (lien valable { $lifetime }). Pas vous ? Ignorez ce message.
reset-sms-code = { $code } est votre code pour réinitialiser le mot de passe { $app }. Valable { $lifetime }. Pas vous ? Ignorez-le.

## Message: password_changed

password-changed-subject = Votre mot de passe { $app } a été modifié
password-changed-heading = Votre mot de passe a été modifié
password-changed-intro = Le mot de passe de votre compte { $app } vient d’être modifié, et tous les appareils ont été déconnectés.
password-changed-from = La modification a été faite depuis { $from }.
password-changed-advice = Si c’était vous, vous n’avez rien d’autre à faire. Sinon, réinitialisez votre mot de passe immédiatement.
password-changed-button = Se connecter à { $app }
password-changed-sms = Le mot de passe { $app } a été modifié et tous vos appareils ont été déconnectés. Pas vous ? Réinitialisez-le maintenant.

## Message: account_exists

account-exists-subject = Vous avez déjà un compte { $app }
account-exists-heading = Vous avez déjà un compte
account-exists-intro = Quelqu’un a essayé de créer un compte { $app } avec cette adresse e-mail, depuis { $from }. Vous avez déjà un compte, donc rien n’a été modifié.
account-exists-intro-plain = Quelqu’un a essayé de créer un compte { $app } avec cette adresse e-mail. Vous avez déjà un compte, donc rien n’a été modifié.
account-exists-button = Se connecter à { $app }
account-exists-text-link = Ouvrez ce lien pour vous connecter :
account-exists-ignore = Si ce n’était pas vous, ignorez cet e-mail : votre compte est en sécurité.
account-exists-sms = Quelqu'un a tenté de s'inscrire sur { $app } avec ce numéro, mais vous avez déjà un compte. Rien n'a été modifié.

## Message: identifier_changed

identifier-changed-subject = L’adresse de connexion de votre compte { $app } a été modifiée
identifier-changed-heading = Votre adresse de connexion a été modifiée
identifier-changed-intro = Cette adresse vient d’être remplacée sur votre compte { $app } : les messages et les connexions passent désormais par la nouvelle.
identifier-changed-from = La modification a été faite depuis { $from }.
identifier-changed-advice = Si c’était vous, il n’y a rien d’autre à faire. Sinon, connectez-vous et réinitialisez votre mot de passe immédiatement, ou contactez le support.
identifier-changed-button = Se connecter à { $app }
identifier-changed-sms = Ce numéro a été remplacé sur votre compte { $app }. Pas vous ? Connectez-vous et réinitialisez votre mot de passe.

## Page: /login

page-login-title = Connexion
page-login-intro = Nous vous envoyons un code et un lien. Aucun mot de passe nécessaire.
page-login-label = Adresse e-mail ou numéro de téléphone
page-login-placeholder = vous@example.com ou +33 1 23 45 67 89
page-login-submit = Continuer
page-login-error-identifier = Vérifiez l’adresse : saisissez une adresse e-mail, ou un numéro de téléphone au format international (commençant par + et l’indicatif du pays).
page-login-password-heading = Ou connectez-vous avec votre mot de passe
page-login-password-identifier = E-mail ou numéro de téléphone
page-login-password-label = Mot de passe
page-login-password-submit = Se connecter avec le mot de passe
page-login-forgot = Mot de passe oublié ?
page-login-no-account = Pas encore de compte ?
page-login-signup = Créer un compte
page-login-done-reset = Votre mot de passe a été modifié et tous les appareils ont été déconnectés. Connectez-vous avec votre nouveau mot de passe.
page-login-done-deleted = Votre compte a été supprimé et tous les appareils ont été déconnectés.
page-password-locked = Trop de tentatives échouées. Réessayez dans { $wait }.

## Page: /login/code

page-code-title = Saisissez votre code
page-code-heading-email = Consultez votre boîte de réception
page-code-heading-sms = Consultez votre téléphone
page-code-sent = Nous avons envoyé un code et un lien à { $masked }. Ils expirent dans { $lifetime }.
page-code-label = Code à 6 chiffres
page-code-submit = Se connecter
page-code-match-intro = Vous ouvrez le lien sur un autre appareil ? Il vous demandera de choisir ce nombre :
page-code-match-hidden = Nombre à choisir :
page-code-match-wait = Dès que vous approuvez, cette page vous connecte d’elle-même, ou avec le bouton ci-dessous.
page-code-poll-ended = Cette connexion est terminée : elle a expiré, a été utilisée ou a été annulée. Recommencez pour vous connecter.
page-code-approved-button = J’ai approuvé sur mon autre appareil
page-code-resend = Envoyer un nouveau code
page-code-other-address = Utiliser une autre adresse
page-code-resent = Nous avons envoyé un nouveau code et un nouveau lien. Les précédents ne fonctionnent plus.
page-code-not-approved = Pas encore approuvé. Ouvrez le lien sur votre autre appareil et choisissez le nombre affiché ici.
page-code-error-format = Le code doit comporter 6 chiffres.

## Page: /login/link

page-link-title = Connexion
page-link-signing-in = Connexion en cours…
page-link-continue = Continuer vers { $app }
page-link-request-heading = Demande de connexion
page-link-request-intro = Quelqu’un a demandé à se connecter en tant que { $masked }.
page-link-browser = Navigateur
page-link-ip = Adresse IP
page-link-time = Heure
page-link-warning-strong = N’approuvez qu’une connexion que vous avez lancée vous-même.
page-link-warning = Si vous n’avez pas demandé à vous connecter à l’instant, fermez cette page : personne n’entre sans votre accord.
page-link-legend = Pour approuver l’appareil qui a fait la demande, choisissez le nombre qu’il affiche
page-link-other-device = Me connecter plutôt sur cet appareil
page-link-pick-number = Choisissez l’un des trois nombres, ou connectez-vous sur cet appareil.

## Page: /account

page-account-title = Votre compte
page-account-signed-in-as = Connecté en tant que { $who }.
page-account-devices = Vos appareils
page-account-this-device = cet appareil
page-account-device-details = { $ip } · connecté le { $created } · vu pour la dernière fois le { $seen }
page-account-revoke = Déconnecter cet appareil
page-account-sign-out = Se déconnecter
page-account-sign-out-others = Déconnecter les autres appareils
page-account-sign-out-all = Se déconnecter partout

## Page: /signup

page-channel-email = E-mail
page-channel-sms = SMS
page-signup-title = Créer un compte
page-signup-intro = Choisissez un mot de passe, puis confirmez votre adresse avec le code que nous vous envoyons.
page-signup-email = Adresse e-mail
page-signup-phone = Numéro de téléphone (facultatif)
page-signup-phone-hint = Au format international, commençant par + et l’indicatif du pays.
page-signup-password = Mot de passe
page-signup-password-hint = Au moins { $min } caractères. Quelques mots sans rapport entre eux font un mot de passe solide.
page-signup-name = Nom (facultatif)
page-signup-channel = Envoyer les codes et les liens par
page-signup-submit = Créer le compte
page-signup-have-account = Vous avez déjà un compte ?
page-signup-login = Se connecter
page-signup-error-address = Saisissez une adresse e-mail ou un numéro de téléphone.
page-signup-error-sms = Pour recevoir les codes par SMS, saisissez aussi un numéro de téléphone.
page-signup-closed-title = Inscriptions fermées
page-signup-closed-message = Il n’est pas possible de créer de nouveaux comptes ici. Si vous avez déjà un compte, connectez-vous.

## Page: /forgot-password and /reset-password

page-forgot-title = Mot de passe oublié ?
page-forgot-intro = Saisissez l’adresse e-mail ou le numéro de téléphone de votre compte. Nous vous enverrons un code et un lien pour choisir un nouveau mot de passe.
page-forgot-label = Votre adresse e-mail ou numéro de téléphone
page-forgot-submit = Envoyer un code de réinitialisation
page-reset-title = Choisissez un nouveau mot de passe
page-reset-code-intro = Si un compte existe pour cette adresse, nous lui avons envoyé un code et un lien. Saisissez le code et choisissez un nouveau mot de passe.
page-reset-link-intro = Choisissez un nouveau mot de passe pour votre compte. Tous les appareils seront déconnectés.
page-reset-new-password = Nouveau mot de passe
page-reset-submit = Changer le mot de passe
page-reset-start-again = Recommencer
page-reset-unusable-title = Cette réinitialisation n’est pas utilisable
page-reset-unusable-message = Ce lien ou ce code de réinitialisation a déjà été utilisé, a été remplacé par un plus récent, a expiré ou n’est pas valide. Recommencez pour en obtenir un nouveau.

## Page: /account (profile, addresses, password, deletion)

page-account-done-profile = Votre profil a été enregistré.
page-account-done-password = Votre mot de passe a été modifié. Vos autres appareils ont été déconnectés.
page-account-done-identifier = Votre nouvelle adresse est confirmée : les codes, les liens et les connexions l’utilisent désormais.
page-account-profile = Profil
page-account-name = Nom
page-account-channel = Envoyer les codes et les liens par
page-account-language = Langue
page-account-save-profile = Enregistrer le profil
page-account-addresses = Adresses de connexion
page-account-email = E-mail
page-account-phone = Téléphone
page-account-unverified = non confirmée
page-account-none = aucune
page-account-change-email = Nouvelle adresse e-mail
page-account-add-email = Ajouter une adresse e-mail
page-account-change-phone = Nouveau numéro de téléphone
page-account-add-phone = Ajouter un numéro de téléphone
page-account-send-code-email = Envoyer un code par e-mail
page-account-send-code-sms = Envoyer un code par SMS
page-account-password = Mot de passe
page-account-set-password = Définir un mot de passe
page-account-current-password = Mot de passe actuel
page-account-current-password-hint = Inutile si vous vous êtes connecté il y a moins de { $recent }.
page-account-new-password = Nouveau mot de passe
page-account-change-password = Changer le mot de passe
page-account-error-reauth = Votre mot de passe actuel n’est pas correct. Pas encore de mot de passe ? Déconnectez-vous, reconnectez-vous, puis faites-le dans les { $recent }.
page-account-delete = Supprimer votre compte
page-account-delete-intro = Cela supprime votre compte et vous déconnecte partout. C’est irréversible.
page-account-delete-confirm = Je comprends que mon compte sera supprimé définitivement.
page-account-delete-submit = Supprimer mon compte
page-account-delete-unconfirmed = Cochez la case pour confirmer que vous voulez supprimer votre compte.

## Page: /account/confirm

page-confirm-title = Confirmez votre nouvelle adresse
page-confirm-code-intro = Nous avons envoyé un code et un lien à la nouvelle adresse, sauf si un autre compte l’utilise déjà. Saisissez le code pour confirmer que l’adresse est la vôtre.
page-confirm-link-intro = Confirmez que cette nouvelle adresse doit être utilisée pour votre compte.
page-confirm-submit = Confirmer l’adresse
page-confirm-back = Retour à votre compte
page-confirm-sign-in-title = Connectez-vous pour confirmer
page-confirm-sign-in-message = Connectez-vous au compte auquel la nouvelle adresse est destinée, puis rouvrez le lien du message.
page-confirm-sign-in = Se connecter
page-confirm-unusable-title = Cette confirmation n’est pas utilisable
page-confirm-unusable-message = Ce lien ou ce code a déjà été utilisé, a été remplacé par un plus récent, a expiré ou n’est pas destiné à ce compte. Demandez-en un nouveau depuis la page de votre compte.

## Page: /dev/inbox

page-inbox-title = Boîte de réception de développement
page-inbox-intro = Chaque e-mail et SMS envoyé par { $app } tant que le fournisseur { $provider } est actif arrive ici, du plus récent au plus ancien. En JSON :
page-inbox-empty = Aucun message pour l’instant.
page-inbox-sign-in = Connectez-vous pour en envoyer un.
page-inbox-filter = Destinataire
page-inbox-filter-button = Filtrer
page-inbox-all = Tous les messages
page-inbox-live = Les nouveaux messages apparaissent ici dès leur arrivée.
page-inbox-col-to = À
page-inbox-col-kind = Type
page-inbox-col-message = Message
page-inbox-col-time = Reçu
page-inbox-sms = SMS
page-inbox-back = Tous les messages
page-inbox-html = HTML
page-inbox-text = Texte brut

## Notices and errors shown on pages

notice-back-to-sign-in = Retour à la connexion
notice-approved-title = Connexion approuvée
notice-approved-message = Revenez sur l’appareil où vous avez demandé à vous connecter : il se connecte de lui-même dans un instant. Vous pouvez fermer cette page.
notice-cancelled-title = Connexion annulée
notice-cancelled-message = Ce n’était pas le nombre affiché sur l’appareil qui a fait la demande. Pour votre sécurité, cette connexion a été annulée. Si c’était vous, recommencez.
notice-form-title = Cela n’a pas fonctionné
notice-form-message = Le formulaire était incomplet ou trop volumineux. Revenez en arrière et réessayez.
notice-csrf-title = Veuillez réessayer
notice-csrf-message = Ce formulaire a expiré ou a été envoyé depuis un autre site. Rechargez la page et réessayez.
error-title-expired = Cette connexion est terminée
error-title-link-invalid = Ce lien ne peut pas être utilisé
error-title-stopped = Connexion interrompue
error-title-rate-limited = Doucement
error-title-failed = Un problème est survenu
error-title-generic = Cela n’a pas fonctionné
error-link-invalid = Ce lien de connexion a déjà été utilisé, a été remplacé par un plus récent ou n’est pas valide. Recommencez pour en obtenir un nouveau.
error-invalid-code = Ce code n’est pas le bon, ou il a déjà été utilisé.
error-invalid-code-remaining = Ce code n’est pas le bon. { $remaining ->
    [one] Il reste { $remaining } essai.
   *[other] Il reste { $remaining } essais.
}
error-expired = Ce code ou ce lien a expiré ou a été annulé. Recommencez pour en obtenir un nouveau.
error-too-many-attempts = Trop de codes erronés. Pour votre sécurité, cette connexion a été interrompue ; recommencez pour obtenir un nouveau code.
error-rate-limited = Trop de demandes. Réessayez dans { $wait }.
error-wrong-browser = Cette connexion a été lancée dans un autre navigateur. Continuez là-bas, ou reconnectez-vous ici.
error-unauthorized = Vous n’êtes pas connecté.
error-forbidden = Cette clé d’API n’a pas ce droit.
error-not-found = Il n’y a rien ici.
error-conflict = Un autre compte utilise déjà cette adresse e-mail ou ce numéro.
error-unavailable = Le service est temporairement indisponible. Réessayez dans un instant.
error-internal = Un problème est survenu de notre côté. Réessayez dans un instant.
error-invalid-request = Cette demande n’est pas valide. Revenez en arrière et réessayez.
error-invalid-credentials = L’adresse e-mail, le numéro de téléphone ou le mot de passe est incorrect.
error-weak-password = Ce mot de passe est trop facile à deviner. Choisissez-en un plus long, par exemple quelques mots sans rapport.

activity-title = Activité récente
activity-details = { $ip } · { $device } · { $time }
activity-sign-in-requested = Code de connexion demandé par une application
activity-sign-in-succeeded = Connexion
activity-sign-in-failed = Mot de passe erroné à la connexion
activity-sign-in-approved = Connexion approuvée depuis un autre appareil
activity-code-failed = Code erroné ou expiré
activity-link-failed = Lien de connexion refusé
activity-rate-limit-hit = Trop de demandes
activity-sign-up-requested = Inscription commencée
activity-sign-up-verified = Adresse confirmée à l’inscription
activity-account-claimed = Adresse confirmée ; les informations non confirmées ont été remplacées
activity-account-created = Compte créé
activity-account-updated = Compte modifié par un administrateur
activity-profile-updated = Profil modifié
activity-password-reset-requested = Réinitialisation du mot de passe demandée
activity-password-reset-completed = Mot de passe réinitialisé
activity-password-changed = Mot de passe modifié
activity-reauthentication-failed = Mot de passe actuel erroné
activity-identifier-change-requested = Nouvelle adresse demandée
activity-email-changed = Adresse e-mail modifiée
activity-phone-changed = Numéro de téléphone modifié
activity-sessions-revoked = Appareils déconnectés
activity-account-disabled = Compte désactivé
activity-account-enabled = Compte réactivé
activity-account-deleted = Compte supprimé
activity-api-key-created = Clé d’API créée
activity-api-key-revoked = Clé d’API révoquée
activity-signing-key-rotated = Clé de signature des jetons renouvelée
