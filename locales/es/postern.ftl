# Postern — Español

## Durations

duration-seconds = { $seconds ->
    [one] 1 segundo
   *[other] { $seconds } segundos
}
duration-minutes = { $minutes ->
    [one] 1 minuto
   *[other] { $minutes } minutos
}
duration-hours = { $hours ->
    [one] 1 hora
   *[other] { $hours } horas
}
duration-days = { $days ->
    [one] 1 día
   *[other] { $days } días
}

## Parts shared by every email

email-code-label = Tu código
email-code-line = Tu código: { $code }
sms-code-or = O introduce este codigo:
email-code-or = O introduce este código:
email-link-fallback = O pega este enlace en tu navegador:
email-footer = Este es un mensaje automático de { $app }.
email-footer-support = ¿Tienes preguntas? Escribe a { $support }.
expiry-link-code = El código y el enlace solo funcionan una vez y caducan en { $lifetime } ({ $expires_at }).
expiry-link = El enlace solo funciona una vez y caduca en { $lifetime } ({ $expires_at }).
expiry-code = El código solo funciona una vez y caduca en { $lifetime } ({ $expires_at }).

## Message: sign_in

sign-in-subject = Tu código para iniciar sesión en { $app }: { $code }
sign-in-heading = Inicia sesión en { $app }
sign-in-intro = Alguien ha pedido iniciar sesión en { $app } con esta dirección de correo, desde { $from }.
sign-in-intro-plain = Alguien ha pedido iniciar sesión en { $app } con esta dirección de correo.
sign-in-button = Iniciar sesión en { $app }
sign-in-text-link = O abre este enlace para iniciar sesión:
sign-in-ignore = Si no has sido tú, ignora este correo: nadie puede iniciar sesión sin el código o el enlace. No compartas nunca el código con nadie, ni siquiera con quien diga trabajar para { $app }.
sign-in-sms = { $code } es tu codigo para iniciar sesion en { $app }. Caduca en { $minutes } min. ¿No lo pediste? Ignoralo. No lo compartas.

## Message: verification

verification-subject = Confirma tu dirección de correo para { $app }
verification-heading = Confirma tu dirección de correo
verification-intro = ¡Te damos la bienvenida a { $app }! Confirma que esta dirección de correo es tuya para terminar de crear tu cuenta.
verification-button = Confirmar dirección de correo
verification-text-link = Abre este enlace para confirmar:
verification-ignore = Si no has creado una cuenta en { $app }, ignora este correo: no se crea ninguna cuenta sin esta confirmación.
verification-change-intro = Alguien quiere usar esta dirección de correo para una cuenta de { $app }. Confirma que es tuya para terminar el cambio.
verification-change-ignore = Si no lo pediste, ignora este correo: nada cambia sin esta confirmación.
verification-sms = { $code } es tu codigo de verificacion de { $app }. Caduca en { $lifetime }.
verification-sms-link = Confirma tu cuenta de { $app } (el enlace caduca en { $lifetime }):

## Message: reset_link and reset_code

reset-subject = Restablece tu contraseña de { $app }
reset-code-subject = Tu código para restablecer la contraseña de { $app }: { $code }
reset-heading = Restablece tu contraseña
reset-intro = Alguien ha pedido restablecer la contraseña de tu cuenta de { $app }, desde { $from }.
reset-intro-plain = Alguien ha pedido restablecer la contraseña de tu cuenta de { $app }.
reset-button = Elegir una contraseña nueva
reset-text-link = Abre este enlace para elegir una contraseña nueva:
reset-ignore = Si no has sido tú, ignora este correo: tu contraseña sigue siendo la misma. No compartas nunca el código ni el enlace.
reset-sms-link = Restablece tu contraseña de { $app } (el enlace caduca en { $lifetime }). ¿No lo pediste? Ignoralo.
reset-sms-code = { $code } es tu codigo para restablecer la contraseña de { $app }. Caduca en { $lifetime }. ¿No lo pediste? Ignoralo.

## Message: password_changed

password-changed-subject = Se ha cambiado tu contraseña de { $app }
password-changed-heading = Se ha cambiado tu contraseña
password-changed-intro = Se acaba de cambiar la contraseña de tu cuenta de { $app } y se ha cerrado la sesión en todos los dispositivos.
password-changed-from = El cambio se hizo desde { $from }.
password-changed-advice = Si has sido tú, no tienes que hacer nada más. Si no, restablece tu contraseña ahora mismo.
password-changed-button = Iniciar sesión en { $app }
password-changed-sms = Se ha cambiado tu contraseña de { $app } y se cerro la sesion en todos tus dispositivos. ¿No fuiste tu? Restablecela ahora.

## Message: account_exists

account-exists-subject = Ya tienes una cuenta de { $app }
account-exists-heading = Ya tienes una cuenta
account-exists-intro = Alguien ha intentado crear una cuenta de { $app } con esta dirección de correo, desde { $from }. Ya tienes una cuenta, así que no se ha cambiado nada.
account-exists-intro-plain = Alguien ha intentado crear una cuenta de { $app } con esta dirección de correo. Ya tienes una cuenta, así que no se ha cambiado nada.
account-exists-button = Iniciar sesión en { $app }
account-exists-text-link = Abre este enlace para iniciar sesión:
account-exists-ignore = Si no has sido tú, ignora este correo: tu cuenta está a salvo.
account-exists-sms = Alguien intento registrarse en { $app } con este numero, pero ya tienes una cuenta. No se ha cambiado nada.

## Message: identifier_changed

identifier-changed-subject = Se cambió la dirección de acceso de tu cuenta de { $app }
identifier-changed-heading = Se cambió tu dirección de acceso
identifier-changed-intro = Esta dirección acaba de ser sustituida en tu cuenta de { $app }: los mensajes y los inicios de sesión van ahora a la nueva.
identifier-changed-from = El cambio se hizo desde { $from }.
identifier-changed-advice = Si fuiste tú, no tienes que hacer nada más. Si no, inicia sesión y restablece tu contraseña de inmediato, o contacta con soporte.
identifier-changed-button = Iniciar sesión en { $app }
identifier-changed-sms = Este numero se ha sustituido en tu cuenta de { $app }. ¿No fuiste tu? Inicia sesion y restablece tu contraseña.

## Page: /login

page-login-title = Iniciar sesión
page-login-intro = Te enviaremos un código y un enlace. No necesitas contraseña.
page-login-label = Correo electrónico o número de teléfono
page-login-placeholder = tu@example.com o +34 912 34 56 78
page-login-submit = Continuar
page-login-error-identifier = Revisa la dirección: introduce un correo electrónico, o un número de teléfono en formato internacional (empezando por + y el prefijo del país).
page-login-password-heading = O inicia sesión con tu contraseña
page-login-password-identifier = Correo o número de teléfono
page-login-password-label = Contraseña
page-login-password-submit = Iniciar sesión con contraseña
page-login-forgot = ¿Olvidaste tu contraseña?
page-login-no-account = ¿Aún no tienes cuenta?
page-login-signup = Crear una cuenta
page-login-done-reset = Tu contraseña se ha cambiado y se ha cerrado la sesión en todos los dispositivos. Inicia sesión con tu nueva contraseña.
page-login-done-deleted = Tu cuenta se ha eliminado y se ha cerrado la sesión en todos los dispositivos.
page-password-locked = Demasiados intentos fallidos. Vuelve a intentarlo en { $wait }.

## Page: /login/code

page-code-title = Introduce tu código
page-code-heading-email = Revisa tu bandeja de entrada
page-code-heading-sms = Revisa tu teléfono
page-code-sent = Hemos enviado un código y un enlace a { $masked }. Caducan en { $lifetime }.
page-code-label = Código de 6 dígitos
page-code-submit = Iniciar sesión
page-code-match-intro = ¿Abres el enlace en otro dispositivo? Te pedirá que elijas este número:
page-code-match-hidden = Número que debes elegir:
page-code-match-wait = En cuanto lo apruebes, esta página iniciará sesión sola, o con el botón de abajo.
page-code-poll-ended = Este inicio de sesión ha terminado: caducó, ya se usó o se canceló. Vuelve a empezar para iniciar sesión.
page-code-approved-button = Ya lo he aprobado en mi otro dispositivo
page-code-resend = Enviar un código nuevo
page-code-other-address = Usar otra dirección
page-code-resent = Hemos enviado un código y un enlace nuevos. Los anteriores ya no funcionan.
page-code-not-approved = Todavía no se ha aprobado. Abre el enlace en tu otro dispositivo y elige el número que aparece aquí.
page-code-error-format = El código debe tener 6 dígitos.

## Page: /login/link

page-link-title = Iniciar sesión
page-link-signing-in = Iniciando sesión…
page-link-continue = Continuar a { $app }
page-link-request-heading = Solicitud de inicio de sesión
page-link-request-intro = Alguien ha pedido iniciar sesión como { $masked }.
page-link-browser = Navegador
page-link-ip = Dirección IP
page-link-time = Hora
page-link-warning-strong = Aprueba solo un inicio de sesión que hayas empezado tú.
page-link-warning = Si no acabas de pedir iniciar sesión, cierra esta página: nadie entra sin tu aprobación.
page-link-legend = Para aprobar el dispositivo que lo pidió, elige el número que muestra
page-link-other-device = Iniciar sesión en este dispositivo
page-link-pick-number = Elige uno de los tres números, o inicia sesión en este dispositivo.

## Page: /account

page-account-title = Tu cuenta
page-account-signed-in-as = Has iniciado sesión como { $who }.
page-account-devices = Tus dispositivos
page-account-this-device = este dispositivo
page-account-device-details = { $ip } · sesión iniciada { $created } · última actividad { $seen }
page-account-revoke = Cerrar sesión en este dispositivo
page-account-sign-out = Cerrar sesión
page-account-sign-out-others = Cerrar sesión en los demás dispositivos
page-account-sign-out-all = Cerrar sesión en todas partes

## Page: /signup

page-channel-email = Correo electrónico
page-channel-sms = Mensaje de texto (SMS)
page-signup-title = Crear una cuenta
page-signup-intro = Elige una contraseña y luego confirma tu dirección con el código que te enviaremos.
page-signup-email = Correo electrónico
page-signup-phone = Número de teléfono (opcional)
page-signup-phone-hint = En formato internacional, empezando por + y el prefijo del país.
page-signup-password = Contraseña
page-signup-password-hint = Al menos { $min } caracteres. Unas cuantas palabras sin relación entre sí forman una contraseña segura.
page-signup-name = Nombre (opcional)
page-signup-channel = Enviar códigos y enlaces por
page-signup-submit = Crear cuenta
page-signup-have-account = ¿Ya tienes una cuenta?
page-signup-login = Iniciar sesión
page-signup-error-address = Introduce un correo electrónico o un número de teléfono.
page-signup-error-sms = Para recibir códigos por SMS, introduce también un número de teléfono.
page-signup-closed-title = Registro cerrado
page-signup-closed-message = Aquí no se pueden crear cuentas nuevas. Si ya tienes una cuenta, inicia sesión.

## Page: /forgot-password and /reset-password

page-forgot-title = ¿Olvidaste tu contraseña?
page-forgot-intro = Introduce el correo electrónico o el número de teléfono de tu cuenta. Te enviaremos un código y un enlace para elegir una contraseña nueva.
page-forgot-label = Tu correo electrónico o número de teléfono
page-forgot-submit = Enviar un código de restablecimiento
page-reset-title = Elige una contraseña nueva
page-reset-code-intro = Si existe una cuenta con esa dirección, le hemos enviado un código y un enlace. Introduce el código y elige una contraseña nueva.
page-reset-link-intro = Elige una contraseña nueva para tu cuenta. Se cerrará la sesión en todos los dispositivos.
page-reset-new-password = Contraseña nueva
page-reset-submit = Cambiar contraseña
page-reset-start-again = Volver a empezar
page-reset-unusable-title = Este restablecimiento no se puede usar
page-reset-unusable-message = Este enlace o código de restablecimiento ya se usó, fue sustituido por uno más reciente, caducó o no es válido. Vuelve a empezar para obtener uno nuevo.

## Page: /account (profile, addresses, password, deletion)

page-account-done-profile = Se ha guardado tu perfil.
page-account-done-password = Tu contraseña se ha cambiado. Se ha cerrado la sesión en tus otros dispositivos.
page-account-done-identifier = Tu nueva dirección está confirmada: los códigos, los enlaces y los inicios de sesión la usan a partir de ahora.
page-account-profile = Perfil
page-account-name = Nombre
page-account-channel = Enviar códigos y enlaces por
page-account-language = Idioma
page-account-save-profile = Guardar perfil
page-account-addresses = Direcciones de inicio de sesión
page-account-email = Correo
page-account-phone = Teléfono
page-account-unverified = sin confirmar
page-account-none = ninguna
page-account-change-email = Nuevo correo electrónico
page-account-add-email = Añadir un correo electrónico
page-account-change-phone = Nuevo número de teléfono
page-account-add-phone = Añadir un número de teléfono
page-account-send-code-email = Enviar un código por correo
page-account-send-code-sms = Enviar un código por SMS
page-account-password = Contraseña
page-account-set-password = Crear una contraseña
page-account-current-password = Contraseña actual
page-account-current-password-hint = No hace falta si iniciaste sesión hace menos de { $recent }.
page-account-new-password = Contraseña nueva
page-account-change-password = Cambiar contraseña
page-account-error-reauth = Tu contraseña actual no es correcta. ¿Aún no tienes contraseña? Cierra sesión, vuelve a iniciarla y hazlo en menos de { $recent }.
page-account-delete = Eliminar tu cuenta
page-account-delete-intro = Esto elimina tu cuenta y cierra tu sesión en todas partes. No se puede deshacer.
page-account-delete-confirm = Entiendo que mi cuenta se eliminará para siempre.
page-account-delete-submit = Eliminar mi cuenta
page-account-delete-unconfirmed = Marca la casilla para confirmar que quieres eliminar tu cuenta.

## Page: /account/confirm

page-confirm-title = Confirma tu nueva dirección
page-confirm-code-intro = Hemos enviado un código y un enlace a la nueva dirección, salvo que otra cuenta ya la use. Introduce el código para confirmar que la dirección es tuya.
page-confirm-link-intro = Confirma que esta nueva dirección debe usarse para tu cuenta.
page-confirm-submit = Confirmar dirección
page-confirm-back = Volver a tu cuenta
page-confirm-sign-in-title = Inicia sesión para confirmar
page-confirm-sign-in-message = Inicia sesión en la cuenta a la que corresponde la nueva dirección y vuelve a abrir el enlace del mensaje.
page-confirm-sign-in = Iniciar sesión
page-confirm-unusable-title = Esta confirmación no se puede usar
page-confirm-unusable-message = Este enlace o código ya se usó, fue sustituido por uno más reciente, caducó o no es de esta cuenta. Pide uno nuevo desde la página de tu cuenta.

## Page: /dev/inbox

page-inbox-title = Bandeja de desarrollo
page-inbox-intro = Cada correo y SMS que envía { $app } mientras el proveedor { $provider } está activo llega aquí, del más reciente al más antiguo. En JSON:
page-inbox-empty = Todavía no hay mensajes.
page-inbox-sign-in = Inicia sesión para enviar uno.
page-inbox-filter = Destinatario
page-inbox-filter-button = Filtrar
page-inbox-all = Todos los mensajes
page-inbox-live = Los mensajes nuevos aparecen aquí en cuanto llegan.
page-inbox-col-to = Para
page-inbox-col-kind = Tipo
page-inbox-col-message = Mensaje
page-inbox-col-time = Recibido
page-inbox-sms = Mensaje de texto
page-inbox-back = Todos los mensajes
page-inbox-html = HTML
page-inbox-text = Texto sin formato

## Notices and errors shown on pages

notice-back-to-sign-in = Volver a iniciar sesión
notice-approved-title = Inicio de sesión aprobado
notice-approved-message = Vuelve al dispositivo en el que pediste iniciar sesión: entrará solo en un momento. Puedes cerrar esta página.
notice-cancelled-title = Inicio de sesión cancelado
notice-cancelled-message = Ese no era el número que mostraba el dispositivo que lo pidió. Por tu seguridad, se ha cancelado este inicio de sesión. Si eras tú, vuelve a empezar.
notice-form-title = No ha funcionado
notice-form-message = El formulario estaba incompleto o era demasiado grande. Vuelve atrás e inténtalo de nuevo.
notice-csrf-title = Inténtalo de nuevo
notice-csrf-message = Este formulario ha caducado o se envió desde otro sitio. Recarga la página e inténtalo de nuevo.
error-title-expired = Este inicio de sesión ha terminado
error-title-link-invalid = Este enlace no se puede usar
error-title-stopped = Inicio de sesión detenido
error-title-rate-limited = Más despacio
error-title-failed = Algo ha salido mal
error-title-generic = No ha funcionado
error-link-invalid = Este enlace de inicio de sesión ya se ha usado, se ha sustituido por uno más reciente o no es válido. Vuelve a empezar para obtener uno nuevo.
error-invalid-code = Ese código no es correcto, o ya se ha usado.
error-invalid-code-remaining = Ese código no es correcto. { $remaining ->
    [one] Te queda 1 intento.
   *[other] Te quedan { $remaining } intentos.
}
error-expired = Este código o enlace ha caducado o se ha cancelado. Vuelve a empezar para obtener uno nuevo.
error-too-many-attempts = Demasiados códigos incorrectos. Por tu seguridad, se ha detenido este inicio de sesión; vuelve a empezar para obtener un código nuevo.
error-rate-limited = Demasiadas solicitudes. Vuelve a intentarlo dentro de { $wait }.
error-wrong-browser = Este inicio de sesión se empezó en otro navegador. Continúa allí o vuelve a iniciar sesión aquí.
error-unauthorized = No has iniciado sesión.
error-forbidden = Esta clave de API no puede hacer eso.
error-not-found = Aquí no hay nada.
error-conflict = Otra cuenta ya usa esa dirección de correo o ese número.
error-unavailable = El servicio no está disponible temporalmente. Vuelve a intentarlo en un momento.
error-internal = Algo ha salido mal por nuestra parte. Vuelve a intentarlo en un momento.
error-invalid-request = La solicitud no era válida. Vuelve atrás e inténtalo de nuevo.
error-invalid-credentials = El correo electrónico, el número de teléfono o la contraseña no son correctos.
error-weak-password = Esa contraseña es demasiado fácil de adivinar. Elige una más larga, por ejemplo varias palabras sin relación.

activity-title = Actividad reciente
activity-details = { $ip } · { $device } · { $time }
activity-sign-in-requested = Código de acceso solicitado por una aplicación
activity-sign-in-succeeded = Inicio de sesión
activity-sign-in-failed = Contraseña incorrecta al iniciar sesión
activity-sign-in-approved = Inicio de sesión aprobado desde otro dispositivo
activity-code-failed = Código incorrecto o caducado
activity-link-failed = Enlace de acceso rechazado
activity-rate-limit-hit = Demasiadas solicitudes
activity-sign-up-requested = Registro iniciado
activity-sign-up-verified = Dirección confirmada en el registro
activity-account-claimed = Dirección confirmada; se reemplazaron los datos sin confirmar anteriores
activity-account-created = Cuenta creada
activity-account-updated = Cuenta modificada por un administrador
activity-profile-updated = Perfil modificado
activity-password-reset-requested = Restablecimiento de contraseña solicitado
activity-password-reset-completed = Contraseña restablecida
activity-password-changed = Contraseña cambiada
activity-reauthentication-failed = Contraseña actual incorrecta
activity-identifier-change-requested = Nueva dirección solicitada
activity-email-changed = Correo electrónico cambiado
activity-phone-changed = Número de teléfono cambiado
activity-sessions-revoked = Sesiones cerradas en dispositivos
activity-account-disabled = Cuenta desactivada
activity-account-enabled = Cuenta reactivada
activity-account-deleted = Cuenta eliminada
activity-api-key-created = Clave de API creada
activity-api-key-revoked = Clave de API revocada
activity-signing-key-rotated = Clave de firma de tokens rotada
