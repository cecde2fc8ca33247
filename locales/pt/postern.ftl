# Postern — Português

## Durations

duration-seconds = { $seconds ->
    [one] { $seconds } segundo
   *[other] { $seconds } segundos
}
duration-minutes = { $minutes ->
    [one] { $minutes } minuto
   *[other] { $minutes } minutos
}
duration-hours = { $hours ->
    [one] { $hours } hora
   *[other] { $hours } horas
}
duration-days = { $days ->
    [one] { $days } dia
   *[other] { $days } dias
}

## Parts shared by every email

email-code-label = Seu código
email-code-line = Seu código: { $code }
sms-code-or = Ou digite este codigo:
email-code-or = Ou digite este código:
email-link-fallback = Ou cole este link no seu navegador:
email-footer = Esta é uma mensagem automática de { $app }.
email-footer-support = Dúvidas? Escreva para { $support }.
expiry-link-code = O código e o link funcionam uma única vez e expiram em { $lifetime } ({ $expires_at }).
expiry-link = O link funciona uma única vez e expira em { $lifetime } ({ $expires_at }).
expiry-code = O código funciona uma única vez e expira em { $lifetime } ({ $expires_at }).

## Message: sign_in

sign-in-subject = Seu código de acesso ao { $app }: { $code }
sign-in-heading = Entrar no { $app }
sign-in-intro = Alguém pediu para entrar no { $app } com este endereço de e-mail, a partir de { $from }.
sign-in-intro-plain = Alguém pediu para entrar no { $app } com este endereço de e-mail.
sign-in-button = Entrar no { $app }
sign-in-text-link = Ou abra este link para entrar:
sign-in-ignore = Se não foi você, ignore este e-mail: ninguém consegue entrar sem o código ou o link. Nunca compartilhe o código com ninguém, nem com quem diga trabalhar para o { $app }.
sign-in-sms = { $code } é seu codigo de acesso ao { $app }. Expira em { $minutes } min. Nao pediu? Ignore. Nunca compartilhe.

## Message: verification

verification-subject = Confirme seu endereço de e-mail no { $app }
verification-heading = Confirme seu endereço de e-mail
verification-intro = Boas-vindas ao { $app }! Confirme que este endereço de e-mail é seu para terminar de criar sua conta.
verification-button = Confirmar endereço de e-mail
verification-text-link = Abra este link para confirmar:
verification-ignore = Se você não criou uma conta no { $app }, ignore este e-mail: nenhuma conta é criada sem esta confirmação.
verification-change-intro = Alguém pediu para usar este endereço de e-mail numa conta { $app }. Confirme que é seu para concluir a alteração.
verification-change-ignore = Se não foi você, ignore este e-mail: nada muda sem esta confirmação.
verification-sms = { $code } é seu codigo de verificacao do { $app }. Expira em { $lifetime }.
verification-sms-link = Confirme sua conta no { $app } (o link expira em { $lifetime }):

## Message: reset_link and reset_code

reset-subject = Redefina sua senha do { $app }
reset-code-subject = Seu código para redefinir a senha do { $app }: { $code }
reset-heading = Redefinir sua senha
reset-intro = Alguém pediu para redefinir a senha da sua conta no { $app }, a partir de { $from }.
reset-intro-plain = Alguém pediu para redefinir a senha da sua conta no { $app }.
reset-button = Escolher uma nova senha
reset-text-link = Abra este link para escolher uma nova senha:
reset-ignore = Se não foi você, ignore este e-mail: sua senha continua a mesma. Nunca compartilhe o código nem o link.
reset-sms-link = Redefina sua senha do { $app } (o link expira em { $lifetime }). Nao pediu? Ignore.
reset-sms-code = { $code } é seu codigo para redefinir a senha do { $app }. Expira em { $lifetime }. Nao pediu? Ignore. Nunca compartilhe.

## Message: password_changed

password-changed-subject = Sua senha do { $app } foi alterada
password-changed-heading = Sua senha foi alterada
password-changed-intro = A senha da sua conta no { $app } acabou de ser alterada, e todos os dispositivos foram desconectados.
password-changed-from = A alteração foi feita a partir de { $from }.
password-changed-advice = Se foi você, não precisa fazer mais nada. Se não foi, redefina sua senha imediatamente.
password-changed-button = Entrar no { $app }
password-changed-sms = Sua senha do { $app } foi alterada e todos os dispositivos foram desconectados. Nao foi voce? Redefina sua senha agora.

## Message: account_exists

account-exists-subject = Você já tem uma conta no { $app }
account-exists-heading = Você já tem uma conta
account-exists-intro = Alguém tentou criar uma conta no { $app } com este endereço de e-mail, a partir de { $from }. Você já tem uma conta, então nada foi alterado.
account-exists-intro-plain = Alguém tentou criar uma conta no { $app } com este endereço de e-mail. Você já tem uma conta, então nada foi alterado.
account-exists-button = Entrar no { $app }
account-exists-text-link = Abra este link para entrar:
account-exists-ignore = Se não foi você, ignore este e-mail: sua conta está segura.
account-exists-sms = Alguém tentou se cadastrar no { $app } com este numero, mas voce ja tem uma conta. Nada foi alterado.

## Message: identifier_changed

identifier-changed-subject = O endereço de acesso da sua conta { $app } foi alterado
identifier-changed-heading = O seu endereço de acesso foi alterado
identifier-changed-intro = Este endereço acabou de ser substituído na sua conta { $app }: as mensagens e os acessos passam a ir para o novo.
identifier-changed-from = A alteração foi feita a partir de { $from }.
identifier-changed-advice = Se foi você, não há mais nada a fazer. Se não foi, inicie sessão e redefina a palavra-passe de imediato, ou contacte o suporte.
identifier-changed-button = Entrar em { $app }
identifier-changed-sms = Este numero foi substituido na sua conta { $app }. Nao foi voce? Entre e redefina sua senha.

## Page: /login

page-login-title = Entrar
page-login-intro = Enviaremos um código e um link. Não precisa de senha.
page-login-label = E-mail ou número de telefone
page-login-placeholder = voce@example.com ou +55 11 91234 5678
page-login-submit = Continuar
page-login-error-identifier = Verifique o endereço: digite um e-mail, ou um número de telefone no formato internacional (começando com + e o código do país).
page-login-password-heading = Ou entre com a sua senha
page-login-password-identifier = E-mail ou telefone
page-login-password-label = Senha
page-login-password-submit = Entrar com senha
page-login-forgot = Esqueceu a senha?
page-login-no-account = Ainda não tem conta?
page-login-signup = Criar uma conta
page-login-done-reset = Sua senha foi alterada e todos os dispositivos foram desconectados. Entre com a nova senha.
page-login-done-deleted = Sua conta foi excluída e todos os dispositivos foram desconectados.
page-password-locked = Tentativas com falha demais. Tente de novo em { $wait }.

## Page: /login/code

page-code-title = Digite seu código
page-code-heading-email = Confira sua caixa de entrada
page-code-heading-sms = Confira seu telefone
page-code-sent = Enviamos um código e um link para { $masked }. Eles expiram em { $lifetime }.
page-code-label = Código de 6 dígitos
page-code-submit = Entrar
page-code-match-intro = Vai abrir o link em outro dispositivo? Ele vai pedir que você escolha este número:
page-code-match-hidden = Número a escolher:
page-code-match-wait = Assim que você aprovar, esta página faz o login sozinha, ou com o botão abaixo.
page-code-poll-ended = Este acesso terminou: expirou, já foi usado ou foi cancelado. Comece de novo para entrar.
page-code-approved-button = Já aprovei no meu outro dispositivo
page-code-resend = Enviar um novo código
page-code-other-address = Usar outro endereço
page-code-resent = Enviamos um novo código e um novo link. Os anteriores não funcionam mais.
page-code-not-approved = Ainda não aprovado. Abra o link no seu outro dispositivo e escolha o número mostrado aqui.
page-code-error-format = O código deve ter 6 dígitos.

## Page: /login/link

page-link-title = Entrar
page-link-signing-in = Entrando…
page-link-continue = Continuar para o { $app }
page-link-request-heading = Pedido de acesso
page-link-request-intro = Alguém pediu para entrar como { $masked }.
page-link-browser = Navegador
page-link-ip = Endereço IP
page-link-time = Horário
page-link-warning-strong = Só aprove um acesso que você mesmo iniciou.
page-link-warning = Se você não acabou de pedir para entrar, feche esta página: ninguém entra sem a sua aprovação.
page-link-legend = Para aprovar o dispositivo que pediu, escolha o número que ele mostra
page-link-other-device = Entrar neste dispositivo
page-link-pick-number = Escolha um dos três números, ou entre neste dispositivo.

## Page: /account

page-account-title = Sua conta
page-account-signed-in-as = Conectado como { $who }.
page-account-devices = Seus dispositivos
page-account-this-device = este dispositivo
page-account-device-details = { $ip } · entrou em { $created } · visto por último em { $seen }
page-account-revoke = Desconectar este dispositivo
page-account-sign-out = Sair
page-account-sign-out-others = Desconectar os outros dispositivos
page-account-sign-out-all = Sair de todos os dispositivos

## Page: /signup

page-channel-email = E-mail
page-channel-sms = Mensagem de texto (SMS)
page-signup-title = Criar uma conta
page-signup-intro = Escolha uma senha e depois confirme seu endereço com o código que vamos enviar.
page-signup-email = E-mail
page-signup-phone = Número de telefone (opcional)
page-signup-phone-hint = No formato internacional, começando com + e o código do país.
page-signup-password = Senha
page-signup-password-hint = Pelo menos { $min } caracteres. Algumas palavras sem relação entre si formam uma senha forte.
page-signup-name = Nome (opcional)
page-signup-channel = Enviar códigos e links por
page-signup-submit = Criar conta
page-signup-have-account = Já tem uma conta?
page-signup-login = Entrar
page-signup-error-address = Digite um e-mail ou um número de telefone.
page-signup-error-sms = Para receber códigos por SMS, digite também um número de telefone.
page-signup-closed-title = Cadastro fechado
page-signup-closed-message = Não é possível criar novas contas aqui. Se você já tem uma conta, entre.

## Page: /forgot-password and /reset-password

page-forgot-title = Esqueceu a senha?
page-forgot-intro = Digite o e-mail ou o número de telefone da sua conta. Vamos enviar um código e um link para você escolher uma nova senha.
page-forgot-label = Seu e-mail ou número de telefone
page-forgot-submit = Enviar código de redefinição
page-reset-title = Escolha uma nova senha
page-reset-code-intro = Se existir uma conta com esse endereço, enviamos um código e um link para ele. Digite o código e escolha uma nova senha.
page-reset-link-intro = Escolha uma nova senha para sua conta. Todos os dispositivos serão desconectados.
page-reset-new-password = Nova senha
page-reset-submit = Alterar senha
page-reset-start-again = Começar de novo
page-reset-unusable-title = Esta redefinição não pode ser usada
page-reset-unusable-message = Este link ou código de redefinição já foi usado, foi substituído por um mais recente, expirou ou não é válido. Comece de novo para receber outro.

## Page: /account (profile, addresses, password, deletion)

page-account-done-profile = Seu perfil foi salvo.
page-account-done-password = Sua senha foi alterada. Seus outros dispositivos foram desconectados.
page-account-done-identifier = Seu novo endereço está confirmado: códigos, links e acessos agora usam ele.
page-account-profile = Perfil
page-account-name = Nome
page-account-channel = Enviar códigos e links por
page-account-language = Idioma
page-account-save-profile = Salvar perfil
page-account-addresses = Endereços de acesso
page-account-email = E-mail
page-account-phone = Telefone
page-account-unverified = não confirmado
page-account-none = nenhum
page-account-change-email = Novo e-mail
page-account-add-email = Adicionar um e-mail
page-account-change-phone = Novo número de telefone
page-account-add-phone = Adicionar um número de telefone
page-account-send-code-email = Enviar código por e-mail
page-account-send-code-sms = Enviar código por SMS
page-account-password = Senha
page-account-set-password = Definir uma senha
page-account-current-password = Senha atual
page-account-current-password-hint = Não é necessária se você entrou há menos de { $recent }.
page-account-new-password = Nova senha
page-account-change-password = Alterar senha
page-account-error-reauth = Sua senha atual não está correta. Ainda não tem senha? Saia, entre de novo e faça isto em até { $recent }.
page-account-delete = Excluir sua conta
page-account-delete-intro = Isto exclui sua conta e desconecta você de todos os dispositivos. Não pode ser desfeito.
page-account-delete-confirm = Entendo que minha conta será excluída para sempre.
page-account-delete-submit = Excluir minha conta
page-account-delete-unconfirmed = Marque a caixa para confirmar que quer excluir sua conta.

## Page: /account/confirm

page-confirm-title = Confirme seu novo endereço
page-confirm-code-intro = Enviamos um código e um link para o novo endereço, a menos que outra conta já o use. Digite o código para confirmar que o endereço é seu.
page-confirm-link-intro = Confirme que este novo endereço deve ser usado na sua conta.
page-confirm-submit = Confirmar endereço
page-confirm-back = Voltar para sua conta
page-confirm-sign-in-title = Entre para confirmar
page-confirm-sign-in-message = Entre na conta à qual o novo endereço se destina e abra de novo o link da mensagem.
page-confirm-sign-in = Entrar
page-confirm-unusable-title = Esta confirmação não pode ser usada
page-confirm-unusable-message = Este link ou código já foi usado, foi substituído por um mais recente, expirou ou não é desta conta. Peça outro na página da sua conta.

## Page: /dev/inbox

page-inbox-title = Caixa de desenvolvimento
page-inbox-intro = Todo e-mail e SMS que o { $app } envia enquanto o provedor { $provider } está ativo chega aqui, do mais recente ao mais antigo. Em JSON:
page-inbox-empty = Nenhuma mensagem ainda.
page-inbox-sign-in = Entre para enviar uma.
page-inbox-filter = Destinatário
page-inbox-filter-button = Filtrar
page-inbox-all = Todas as mensagens
page-inbox-live = As mensagens novas aparecem aqui assim que chegam.
page-inbox-col-to = Para
page-inbox-col-kind = Tipo
page-inbox-col-message = Mensagem
page-inbox-col-time = Recebida
page-inbox-sms = SMS
page-inbox-back = Todas as mensagens
page-inbox-html = HTML
page-inbox-text = Texto simples

## Notices and errors shown on pages

notice-back-to-sign-in = Voltar para o login
notice-approved-title = Acesso aprovado
notice-approved-message = Volte ao dispositivo em que você pediu para entrar: ele entra sozinho em instantes. Você pode fechar esta página.
notice-cancelled-title = Acesso cancelado
notice-cancelled-message = Esse não era o número mostrado no dispositivo que pediu. Para sua segurança, este acesso foi cancelado. Se era você, comece de novo.
notice-form-title = Não funcionou
notice-form-message = O formulário estava incompleto ou grande demais. Volte e tente novamente.
notice-csrf-title = Tente novamente
notice-csrf-message = Este formulário expirou ou foi enviado de outro site. Recarregue a página e tente novamente.
error-title-expired = Este acesso terminou
error-title-link-invalid = Este link não pode ser usado
error-title-stopped = Acesso interrompido
error-title-rate-limited = Mais devagar
error-title-failed = Algo deu errado
error-title-generic = Não funcionou
error-link-invalid = Este link de acesso já foi usado, foi substituído por um mais recente ou não é válido. Comece de novo para receber um novo.
error-invalid-code = Esse código não está certo, ou já foi usado.
error-invalid-code-remaining = Esse código não está certo. { $remaining ->
    [one] Resta { $remaining } tentativa.
   *[other] Restam { $remaining } tentativas.
}
error-expired = Este código ou link expirou ou foi cancelado. Comece de novo para receber um novo.
error-too-many-attempts = Códigos errados demais. Para sua segurança, este acesso foi interrompido; comece de novo para receber um novo código.
error-rate-limited = Pedidos demais. Tente novamente em { $wait }.
error-wrong-browser = Este acesso foi iniciado em outro navegador. Continue por lá, ou entre novamente aqui.
error-unauthorized = Você não está conectado.
error-forbidden = Esta chave de API não pode fazer isso.
error-not-found = Não há nada aqui.
error-conflict = Outra conta já usa esse endereço de e-mail ou número.
error-unavailable = O serviço está temporariamente indisponível. Tente novamente em instantes.
error-internal = Algo deu errado do nosso lado. Tente novamente em instantes.
error-invalid-request = Esse pedido não era válido. Volte e tente novamente.
error-invalid-credentials = O endereço de e-mail, o número de telefone ou a palavra-passe não estão corretos.
error-weak-password = Essa palavra-passe é demasiado fácil de adivinhar. Escolha uma mais longa, por exemplo algumas palavras sem relação.

activity-title = Atividade recente
activity-details = { $ip } · { $device } · { $time }
activity-sign-in-requested = Código de acesso solicitado por um aplicativo
activity-sign-in-succeeded = Entrada na conta
activity-sign-in-failed = Senha errada ao entrar
activity-sign-in-approved = Entrada aprovada de outro dispositivo
activity-code-failed = Código errado ou expirado
activity-link-failed = Link de acesso recusado
activity-rate-limit-hit = Solicitações demais
activity-sign-up-requested = Cadastro iniciado
activity-sign-up-verified = Endereço confirmado no cadastro
activity-account-claimed = Endereço confirmado; dados anteriores não confirmados foram substituídos
activity-account-created = Conta criada
activity-account-updated = Conta alterada por um administrador
activity-profile-updated = Perfil alterado
activity-password-reset-requested = Redefinição de senha solicitada
activity-password-reset-completed = Senha redefinida
activity-password-changed = Senha alterada
activity-reauthentication-failed = Senha atual errada
activity-identifier-change-requested = Novo endereço solicitado
activity-email-changed = E-mail alterado
activity-phone-changed = Número de telefone alterado
activity-sessions-revoked = Dispositivos desconectados
activity-account-disabled = Conta desativada
activity-account-enabled = Conta reativada
activity-account-deleted = Conta excluída
activity-api-key-created = Chave de API criada
activity-api-key-revoked = Chave de API revogada
activity-signing-key-rotated = Chave de assinatura de tokens trocada
