import { describe, expect, it } from 'vitest';
import { compareDebian } from '../../shared/scan/versions/deb.ts';
import { compareApk } from '../../shared/scan/versions/apk.ts';
import { compareRpm, rpmvercmp } from '../../shared/scan/versions/rpm.ts';
import { compareSemver } from '../../shared/scan/versions/semver.ts';
import { comparePep440 } from '../../shared/scan/versions/pep440.ts';

const SIGN: Record<string, number> = { '<': -1, '=': 0, '>': 1 };
/** Rows "a op b": checks the comparator both ways round. */
function table(compare: (a: string, b: string) => number, rows: string[]) {
  for (const row of rows) {
    const [a, op, b] = row.trim().split(/\s+/);
    it(`orders ${a} ${op} ${b}`, () => {
      expect(compare(a, b)).toBe(SIGN[op]);
      expect(compare(b, a)).toBe(0 - SIGN[op] || 0);
    });
  }
}

describe('Debian versions (deb-version(7), Policy 5.6.12)', () => {
  // Policy: "~~" < "~~a" < "~" < "" < "a"
  table(compareDebian, [
    '1.0~~-1 < 1.0~~a-1',
    '1.0~~a-1 < 1.0~-1',
    '1.0~-1 < 1.0-1',
    '1.0-1 < 1.0a-1',
    '1.0~rc1-1 < 1.0-1',
    '1:0.9-1 > 2.0-1',
    '0:1.0-1 = 1.0-1',
    '1:1.0 > 1.0',
    '1.0-1 < 1.0-2',
    '1.0-1 < 1.0.1-1',
    '1.0 = 1.0-0',
    '0 = 00',
    '1.2.3 < 1.2.10',
    '1.0+dfsg-1 > 1.0-1',
    '1.0a < 1.0+',
    '2.36-9+deb12u4 > 2.36-9+deb12u3',
    '2.36-9+deb12u10 > 2.36-9+deb12u9',
    '9.0.1-1 > 9.0-1',
    '0-0-0 = 0-0-0',
    'a-0 < b-0',
    '0-a < 0-b',
  ]);
  it('splits the revision at the last hyphen and the epoch at the first colon', () => {
    expect(compareDebian('0:0-0-0', '0-0-0')).toBe(0);
    expect(compareDebian('1.2-3-4', '1.2-3-5')).toBe(-1);
  });
});

describe('Alpine versions (apk-tools)', () => {
  table(compareApk, [
    '2.34 > 0.1.0_alpha',
    '23_foo > 4_beta',
    '1.0 < 1.0bc',
    '0.1.0_alpha = 0.1.0_alpha',
    '0.1.0_alpha < 0.1.3_alpha',
    '0.1.0_alpha2 > 0.1.0_alpha',
    '0.1.0_alpha < 2.2.39-r1',
    '1.0.4-r3 < 1.0.4-r4',
    '1.1 > 1.1_alpha1',
    '1.2.1 > 1.2',
    '1.3_alpha2 < 1.3_alpha3',
    '0.8_beta1 < 0.8_beta2',
    '3.10.18-r1 > 2.3.0b-r1',
    '2.3.0b-r1 < 2.3.0b-r2',
    '0.12.3 > 0.12',
    '1.2.11 < 1.2.12.1',
    '0.2.0-r1 < 3.1_p16',
    '3.1_p16 < 3.1_p17',
    '1.06-r6 < 006',
    '1.2.2-r1 > 1.2.2',
    '20050718-r1 < 20050718-r2',
    '2.01.01_alpha10 > 0.94',
    '1.0 > 0.99.3.20040818',
    '1.1.1-r4 < 222',
    '3.0.20060720 < 20060720',
    '2.5.1-r8 < 2.5.1a-r1',
    '1.3.5-r10 > 1.3.5-r8',
    '2.0.0_rc3-r1 > 1.5',
    '0.9.16-r1 < 3.9_pre20060124',
    '0.10.0 < 0.10.1_rc1',
    '1.2.07.8 < 1.2.12.04',
    '02.08.01b < 4.77',
    '1.8.5 < 1.8.5_p2',
    '1.7 < 1.7b',
    '2.9.11_pre20051101-r3 > 2.9.11_pre20051101',
    '1.6.8_p12-r1 > 1.6.8_p9-r2',
    '0.9.28-r2 < 0.9.28.1',
    '2.12r-r4 < 2.12r-r5',
    '7.0.17 < 7.0.174',
    '4.5_p1-r1 > 4.5_p1',
    '1.3-r0 < 1.3.1-r0',
    '1.3_pre1-r1 < 1.3.2',
    '1.0_p10-r0 > 1.0_p9-r0',
    '0.1.0_alpha_pre2 < 0.1.0_alpha',
    '1.0.0_pre20191002222144-r0 < 1.0.0_pre20210530193627-r0',
    '1.1.1w-r1 < 3.0.8-r0',
    '3.0.8-r0 < 3.0.8-r1',
  ]);
});

describe('RPM versions (rpmvercmp)', () => {
  table(rpmvercmp, [
    '1.0 = 1.0',
    '1.0 < 2.0',
    '2.0.1 = 2.0.1',
    '2.0 < 2.0.1',
    '2.0.1a = 2.0.1a',
    '2.0.1a > 2.0.1',
    '5.5p1 < 5.5p2',
    '5.5p1 < 5.5p10',
    '10xyz < 10.1xyz',
    'xyz10 < xyz10.1',
    'xyz.4 = xyz.4',
    'xyz.4 < 8',
    'xyz.4 < 2',
    '5.5p2 < 5.6p1',
    '5.6p1 < 6.5p1',
    '6.0.rc1 > 6.0',
    '10b2 > 10a1',
    '10a2 < 10b2',
    '1.0aa = 1.0aa',
    '1.0a < 1.0aa',
    '10.0001 = 10.1',
    '10.0001 < 10.0039',
    '4.999.9 < 5.0',
    '20101121 < 20101122',
    '2_0 = 2_0',
    '2.0 = 2_0',
    'a+ = a_',
    '+a = _a',
    '_+ = +_',
    '+ = _',
    '1.0~rc1 = 1.0~rc1',
    '1.0~rc1 < 1.0',
    '1.0~rc1 < 1.0~rc2',
    '1.0~rc1~git123 < 1.0~rc1',
    '1.0^ = 1.0^',
    '1.0^ > 1.0',
    '1.0^git1 > 1.0',
    '1.0^git1 < 1.0^git2',
    '1.0^git1 < 1.01',
    '1.0^20160101 < 1.0.1',
    '1.0^20160102 > 1.0^20160101^git1',
    '1.0~rc1^git1 > 1.0~rc1',
    '1.0^git1~pre < 1.0^git1',
  ]);
  it('compares epochs first, then version, then release', () => {
    expect(compareRpm('1:1.0-1', '2.0-1')).toBe(1);
    expect(compareRpm('1.0-2.el8', '1.0-10.el8')).toBe(-1);
    expect(compareRpm('1.0', '1.0-5')).toBe(0);
  });
});

describe('SemVer 2.0.0 precedence (§11)', () => {
  table(compareSemver, [
    '1.0.0 < 2.0.0',
    '2.0.0 < 2.1.0',
    '2.1.0 < 2.1.1',
    '1.0.0-alpha < 1.0.0',
    '1.0.0-alpha < 1.0.0-alpha.1',
    '1.0.0-alpha.1 < 1.0.0-alpha.beta',
    '1.0.0-alpha.beta < 1.0.0-beta',
    '1.0.0-beta < 1.0.0-beta.2',
    '1.0.0-beta.2 < 1.0.0-beta.11',
    '1.0.0-beta.11 < 1.0.0-rc.1',
    '1.0.0-rc.1 < 1.0.0',
    '1.0.0+build.1 = 1.0.0',
    '4.17.20 < 4.17.21',
  ]);
});

describe('PEP 440 ordering', () => {
  // The ordering example of PEP 440's "Summary of permitted suffixes and relative ordering".
  const ordered = [
    '1.dev0',
    '1.0.dev456',
    '1.0a1',
    '1.0a2.dev456',
    '1.0a12.dev456',
    '1.0a12',
    '1.0b1.dev456',
    '1.0b2',
    '1.0b2.post345.dev456',
    '1.0b2.post345',
    '1.0rc1.dev456',
    '1.0rc1',
    '1.0',
    '1.0+abc.5',
    '1.0+abc.7',
    '1.0+5',
    '1.0.post456.dev34',
    '1.0.post456',
    '1.0.15',
    '1.1.dev1',
  ];
  it('orders the PEP 440 example sequence', () => {
    for (let i = 0; i + 1 < ordered.length; i++) {
      expect(comparePep440(ordered[i], ordered[i + 1]), `${ordered[i]} < ${ordered[i + 1]}`).toBe(-1);
      expect(comparePep440(ordered[i + 1], ordered[i])).toBe(1);
    }
  });
  table(comparePep440, ['1.0 = 1.0.0', '1!1.0 > 2.0', '1.0-1 = 1.0.post1', '1.0alpha1 = 1.0a1', '1.0c1 = 1.0rc1', 'v2.0 = 2.0', '2.0.0 < 2.0.1']);
});
