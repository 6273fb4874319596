// typescript-eslint's type-checked rules over src and test; the compiler already enforces strictness.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'reports/**', 'bench/results/**', 'bench/*.mjs'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      // Kubernetes objects are JSON whose spec and status are typed \`any\` on purpose (src/kube/objects.ts):
      // the simulator stores whatever clients send. Reading their fields is the point, not an accident.
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      'no-console': ['error'],
      // Ops interfaces return promises because real targets do I/O; the simulator's answer synchronously.
      '@typescript-eslint/require-await': 'off',
    },
  },
  { files: ['src/cli/**', 'src/**/write-*.ts', 'test/**', 'bench/**'], rules: { 'no-console': 'off' } },
  { files: ['test/**'], rules: { '@typescript-eslint/no-unused-expressions': 'off' } },
);
