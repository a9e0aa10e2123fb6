import { useEffect } from 'preact/hooks';
import { signal } from '@preact/signals';
import { me, enrolling, resume } from './session';
import { route } from './router';
import { loadVocab } from './api/vocab';
import { LoginPage } from './screens/Login';
import { EnrolmentPage } from './screens/Enrolment';
import { Shell, navFor } from './screens/Shell';
import { PatientsPage, PatientRegisterPage, PatientDetailPage } from './screens/Patients';
import { FormsPage, FormNewPage, FormPage, BulkXmlPage } from './screens/Forms';
import { KeyLookupPage, MunicipalityFormPage } from './screens/Municipality';
import { CertificationImportPage } from './screens/CertificationImport';
import { InsuranceLinkPage } from './screens/InsuranceLink';
import { PasswordPage } from './screens/Password';
import { ApiTokensPage } from './screens/ApiTokens';
import { ExportPage } from './screens/Export';
import { DiseasesPage } from './screens/Diseases';
import { PaperScansPage } from './screens/PaperScans';
import { AccountsPage, AccountIssuePage, BulkIssuePage, SecondaryPage, HospitalCodePage } from './screens/Accounts';
import { AuditLogPage } from './screens/AuditLog';
import { StatisticsPage } from './screens/Statistics';
import { BodiesPage, HospitalsPage, FormVersionsPage, MasterHistoryPage } from './screens/Master';
import { ResearchPage } from './screens/Research';

const ready = signal(false);

function Home() {
  const first = navFor()[0];
  useEffect(() => {
    if (first) { history.replaceState(null, '', first.href); route.value = first.href.slice(1); }
  }, [first?.href]);
  if (first) return null;
  return <><h1>ようこそ</h1><p>{me.value?.name} さん、この利用者区分で使える画面はまだありません。</p></>;
}

function Screen({ path }: { path: string }) {
  const m = path.match(/^\/patients\/(\d+)$/);
  if (m) return <PatientDetailPage id={Number(m[1])} />;
  const f = path.match(/^\/forms\/(\d+)$/);
  if (f) return <FormPage id={Number(f[1])} />;
  const mf = path.match(/^\/municipality\/forms\/(\d+)$/);
  if (mf) return <MunicipalityFormPage id={Number(mf[1])} />;
  switch (path.split('?')[0]) {
    case '/forms': return <FormsPage />;
    case '/forms/new': return <FormNewPage />;
    case '/forms/bulk': return <BulkXmlPage />;
    case '/municipality': return <KeyLookupPage />;
    case '/municipality/certification-import': return <CertificationImportPage />;
    case '/patients': return <PatientsPage />;
    case '/patients/new': return <PatientRegisterPage />;
    case '/accounts': return <AccountsPage />;
    case '/accounts/new': return <AccountIssuePage />;
    case '/accounts/bulk': return <BulkIssuePage />;
    case '/secondary': return <SecondaryPage />;
    case '/hospital-code': return <HospitalCodePage />;
    case '/password': return <PasswordPage />;
    case '/api-tokens': return <ApiTokensPage />;
    case '/export': return <ExportPage />;
    case '/diseases': return <DiseasesPage />;
    case '/paper-scans': return <PaperScansPage />;
    case '/statistics': return <StatisticsPage />;
    case '/master': return <BodiesPage />;
    case '/master/hospitals': return <HospitalsPage />;
    case '/master/forms': return <FormVersionsPage />;
    case '/master/history': return <MasterHistoryPage />;
    case '/operator/research': return <ResearchPage />;
    case '/insurance-link': return <InsuranceLinkPage />;
    case '/audit-log': return <AuditLogPage />;
    default: return <Home />;
  }
}

export function App() {
  useEffect(() => {
    Promise.all([loadVocab(), resume()]).finally(() => { ready.value = true; });
  }, []);
  useEffect(() => {
    const t = document.querySelector('main h1')?.textContent;
    document.title = t ? `${t} | 難病・小慢DB` : '難病・小慢DB オンライン登録システム';
  });
  if (!ready.value) return <p role="status">読み込み中…</p>;
  if (route.value === '/enrol' || enrolling.value) return <EnrolmentPage />;
  if (!me.value) return <LoginPage />;
  return <Shell><Screen path={route.value} /></Shell>;
}
