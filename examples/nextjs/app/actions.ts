'use server';
import { posternActions } from '@postern/next/server';
import { postern } from '@/lib/postern';

export const { startSignIn, verifyCode, resendCode, signUp, logIn, forgotPassword, resetPassword, signOut } =
  posternActions(postern);
