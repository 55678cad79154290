// email.mjs: the flows that mail a code (read from DATA_DIR/mail.jsonl).
// requestEmailConfirmation and confirmEmail; requestEmailUpdate and
// updateEmail, which need a code once the address is confirmed and none
// before; requestPasswordReset and resetPassword, which end every
// session. Each refuses a wrong code, a code mailed for another purpose
// and a code already used.
import {
  assert,
  createAccount,
  expectXrpcError,
  mailedToken,
  newAgent,
  readOutbox,
  scenario,
  tokenFrom,
  unique,
  waitForMail,
} from './lib.mjs'

const codeShape = /^[A-Z2-7]{5}-[A-Z2-7]{5}$/

await scenario('email', async (s) => {
  let user
  await s.step('createAccount: the address starts unconfirmed', async () => {
    user = await createAccount('mail')
    const { data } = await user.agent.com.atproto.server.getSession()
    assert.equal(data.email, user.email)
    assert.equal(data.emailConfirmed, false)
  })
  const server = () => user.agent.com.atproto.server

  // Confirmation.
  await s.step('confirmEmail before any code was mailed is InvalidToken', async () => {
    await expectXrpcError(server().confirmEmail({ email: user.email, token: 'AAAAA-BBBBB' }), {
      status: 400,
      error: 'InvalidToken',
    })
  })

  await s.step('requestEmailConfirmation without a session is AuthMissing', async () => {
    await expectXrpcError(newAgent().com.atproto.server.requestEmailConfirmation(), {
      status: 401,
      error: 'AuthMissing',
    })
  })

  let confirm
  await s.step('requestEmailConfirmation mails a code to the address', async () => {
    const before = readOutbox().length
    const res = await server().requestEmailConfirmation()
    assert.equal(res.success, true)
    const msg = await waitForMail(user.email, before)
    assert.ok(msg.subject, 'the mail has a subject')
    confirm = tokenFrom(msg)
    assert.match(confirm, codeShape)
  })

  await s.step('confirmEmail with another address is InvalidEmail', async () => {
    await expectXrpcError(server().confirmEmail({ email: `other-${user.email}`, token: confirm }), {
      status: 400,
      error: 'InvalidEmail',
    })
  })

  await s.step('confirmEmail with a wrong code is InvalidToken', async () => {
    const wrong = confirm === 'AAAAA-BBBBB' ? 'BBBBB-AAAAA' : 'AAAAA-BBBBB'
    await expectXrpcError(server().confirmEmail({ email: user.email, token: wrong }), {
      status: 400,
      error: 'InvalidToken',
    })
  })

  await s.step('confirmEmail with a code mailed for another purpose is InvalidToken', async () => {
    const deleteCode = await mailedToken(user.email, () => server().requestAccountDelete())
    await expectXrpcError(server().confirmEmail({ email: user.email, token: deleteCode }), {
      status: 400,
      error: 'InvalidToken',
    })
  })

  await s.step('confirmEmail with the code (the address in any case) confirms it', async () => {
    await server().confirmEmail({ email: user.email.toUpperCase(), token: confirm })
    const { data } = await server().getSession()
    assert.equal(data.emailConfirmed, true)
    const login = await newAgent().login({ identifier: user.handle, password: user.password })
    assert.equal(login.data.emailConfirmed, true)
  })

  await s.step('the confirmation code is spent once used', async () => {
    await expectXrpcError(server().confirmEmail({ email: user.email, token: confirm }), {
      status: 400,
      error: 'InvalidToken',
    })
  })

  // Update.
  let oldEmail, update
  await s.step('requestEmailUpdate of a confirmed address says a code is needed and mails it there', async () => {
    oldEmail = user.email
    const before = readOutbox().length
    const { data } = await server().requestEmailUpdate()
    assert.deepEqual(data, { tokenRequired: true })
    update = tokenFrom(await waitForMail(oldEmail, before))
    assert.match(update, codeShape)
  })

  const newEmail = `${unique('moved')}@example.com`
  await s.step('updateEmail without the code is TokenRequired', async () => {
    await expectXrpcError(server().updateEmail({ email: newEmail }), { status: 400, error: 'TokenRequired' })
  })

  await s.step('updateEmail with a wrong code is InvalidToken', async () => {
    const wrong = update === 'AAAAA-BBBBB' ? 'BBBBB-AAAAA' : 'AAAAA-BBBBB'
    await expectXrpcError(server().updateEmail({ email: newEmail, token: wrong }), {
      status: 400,
      error: 'InvalidToken',
    })
  })

  await s.step('updateEmail to an address another account holds is refused', async () => {
    const other = await createAccount('mlot')
    await expectXrpcError(server().updateEmail({ email: other.email, token: update }), {
      status: 400,
      error: 'InvalidRequest',
      message: 'This email address is already in use, please use a different email.',
    })
  })

  await s.step('updateEmail to something that is not an address is refused', async () => {
    await expectXrpcError(server().updateEmail({ email: 'not an address', token: update }), {
      status: 400,
      error: 'InvalidRequest',
    })
  })

  await s.step('updateEmail with the code: the new address, unconfirmed', async () => {
    await server().updateEmail({ email: newEmail, token: update })
    const { data } = await server().getSession()
    assert.equal(data.email, newEmail)
    assert.equal(data.emailConfirmed, false)
  })

  await s.step('login by the new address works, by the old one no more; the old one is free', async () => {
    const res = await newAgent().login({ identifier: newEmail, password: user.password })
    assert.equal(res.data.did, user.did)
    await expectXrpcError(newAgent().login({ identifier: oldEmail, password: user.password }), {
      status: 401,
      error: 'AuthenticationRequired',
    })
    const again = await createAccount('mlfr', { email: oldEmail })
    assert.notEqual(again.did, user.did)
  })

  await s.step('the update code is spent once used', async () => {
    await expectXrpcError(server().updateEmail({ email: `${unique('third')}@example.com`, token: update }), {
      status: 400,
      error: 'InvalidToken',
    })
  })

  await s.step('requestEmailUpdate of an unconfirmed address needs no code and mails none', async () => {
    const before = readOutbox().length
    const { data } = await server().requestEmailUpdate()
    assert.deepEqual(data, { tokenRequired: false })
    assert.equal(readOutbox().length, before, 'no mail sent')
  })

  await s.step('updateEmail of an unconfirmed address without a code', async () => {
    const third = `${unique('third')}@example.com`
    await server().updateEmail({ email: third })
    const { data } = await server().getSession()
    assert.equal(data.email, third)
    user.email = third
  })

  // Password reset.
  await s.step('requestPasswordReset of an address no account has is refused', async () => {
    await expectXrpcError(newAgent().com.atproto.server.requestPasswordReset({ email: 'nobody@example.com' }), {
      status: 400,
      error: 'InvalidRequest',
    })
  })

  let reset
  await s.step('requestPasswordReset, without a session, mails a code (the address in any case)', async () => {
    reset = await mailedToken(user.email, () =>
      newAgent().com.atproto.server.requestPasswordReset({ email: user.email.toUpperCase() }),
    )
    assert.match(reset, codeShape)
  })

  await s.step('resetPassword with a wrong code is InvalidToken', async () => {
    const wrong = reset === 'AAAAA-BBBBB' ? 'BBBBB-AAAAA' : 'AAAAA-BBBBB'
    await expectXrpcError(newAgent().com.atproto.server.resetPassword({ token: wrong, password: 'new-password-1' }), {
      status: 400,
      error: 'InvalidToken',
    })
  })

  await s.step('resetPassword with a code mailed for another purpose is InvalidToken', async () => {
    const other = await mailedToken(user.email, () => server().requestEmailConfirmation())
    await expectXrpcError(newAgent().com.atproto.server.resetPassword({ token: other, password: 'new-password-1' }), {
      status: 400,
      error: 'InvalidToken',
    })
  })

  await s.step('resetPassword with a password over 256 characters is refused', async () => {
    await expectXrpcError(newAgent().com.atproto.server.resetPassword({ token: reset, password: 'x'.repeat(300) }), {
      status: 400,
      error: 'InvalidRequest',
    })
  })

  const newPassword = 'new-password-1'
  await s.step('resetPassword with the code', async () => {
    const res = await newAgent().com.atproto.server.resetPassword({ token: reset, password: newPassword })
    assert.equal(res.success, true)
  })

  await s.step('the new password signs in, the old one no more', async () => {
    const res = await newAgent().login({ identifier: user.handle, password: newPassword })
    assert.equal(res.data.did, user.did)
    await expectXrpcError(newAgent().login({ identifier: user.handle, password: user.password }), {
      status: 401,
      error: 'AuthenticationRequired',
    })
  })

  await s.step('the sessions from before the reset are ended', async () => {
    const refreshJwt = user.agent.session.refreshJwt
    await expectXrpcError(
      newAgent().com.atproto.server.refreshSession(undefined, { headers: { authorization: `Bearer ${refreshJwt}` } }),
      { status: 400, error: 'ExpiredToken' },
    )
  })

  await s.step('the reset code is spent once used', async () => {
    await expectXrpcError(newAgent().com.atproto.server.resetPassword({ token: reset, password: 'another-password' }), {
      status: 400,
      error: 'InvalidToken',
    })
  })
})
