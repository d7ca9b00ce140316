import { Command, CommanderError } from 'commander';
import { registerAddress } from './commands/address.command.ts';
import { registerApiKey } from './commands/apikey.command.ts';
import { registerDb } from './commands/db.command.ts';
import { registerDemo } from './commands/demo.command.ts';
import { registerImport } from './commands/import.command.ts';
import { registerIdentity } from './commands/identity.command.ts';
import { registerLeads } from './commands/leads.command.ts';
import { registerOrg } from './commands/org.command.ts';
import { registerServe } from './commands/serve.command.ts';
import { registerUser } from './commands/user.command.ts';
import { registerEnrich } from './commands/enrich.command.ts';
import { registerScore } from './commands/score.command.ts';
import { registerSegments } from './commands/segments.command.ts';
import { registerAssign } from './commands/assign.command.ts';
import { registerDnc, registerRoute } from './commands/route.command.ts';
import { registerContagion } from './commands/contagion.command.ts';
import { registerCompliance } from './commands/compliance.command.ts';
import { registerDlq } from './commands/dlq.command.ts';
import { registerMoney } from './commands/money.command.ts';
import { registerPull } from './commands/pull.command.ts';
import { registerScan } from './commands/scan.command.ts';
import { registerWorker } from './commands/worker.command.ts';
import { registerFaq } from './commands/faq.command.ts';
import { registerClients } from './commands/clients.command.ts';
import { registerNudges } from './commands/nudges.command.ts';
import { registerInbox } from './commands/inbox.command.ts';
import { registerSequences } from './commands/sequences.command.ts';
import { registerTemplates } from './commands/templates.command.ts';
import { registerMessages, registerOutreach } from './commands/messages.command.ts';
import { registerCampaigns } from './commands/campaigns.command.ts';
import { registerLeadTimeline } from './commands/timeline.command.ts';
import { registerVoice } from './commands/voice.command.ts';
import { registerReport } from './commands/report.command.ts';

const program = new Command('porchlight')
  .description('Porchlight: the lead engine and CRM for people who sell to property owners')
  .version('0.1.0')
  .showHelpAfterError()
  // a command's options come after its name, so `enrich --org` and `enrich status --org` are each their own
  .enablePositionalOptions()
  .exitOverride();

registerServe(program);
registerDemo(program);
registerDb(program);
registerOrg(program);
registerUser(program);
registerApiKey(program);
registerImport(program);
registerAddress(program);
registerLeads(program);
registerLeadTimeline(program);
registerVoice(program);
registerIdentity(program);
registerPull(program);
registerScan(program);
registerEnrich(program);
registerRoute(program);
registerDnc(program);
registerContagion(program);
registerCompliance(program);
registerScore(program);
registerSegments(program);
registerAssign(program);
registerMoney(program);
registerDlq(program);
registerSequences(program);
registerWorker(program);
registerFaq(program);
registerClients(program);
registerNudges(program);
registerInbox(program);
registerTemplates(program);
registerMessages(program);
registerOutreach(program);
registerCampaigns(program);
registerReport(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (!(e instanceof CommanderError)) throw e;
  // help and version exit 0; any other complaint of the parser is a usage error
  process.exitCode = e.exitCode === 0 ? 0 : 2;
}
