import type { AnswerErrorCode } from '../instrument/question-types/contract.js';
import type { MailDefaults } from '../admin/invitation-messages.js';
import type { TLanguage } from '../instrument/text.js';

/**
 * `{name}` placeholders, filled in here; `%{count}` (GOV.UK Frontend's own, as in the character
 * count's messages) is left for the component to fill in as the reader types.
 */
const PLACEHOLDER = /(?<!%)\{(\w+)\}/g;

/** Error messages for answers, in GOV.UK style: say what to do, not what went wrong. */
const errors: Record<TLanguage, Record<AnswerErrorCode, string>> = {
  en: {
    required: 'Answer this question',
    invalid_option: 'Select one of the options given',
    exclusive_combined: 'Select either "none of these" or other options, not both',
    other_missing: 'Say what the other answer is',
    other_too_long: 'The other answer must be {max} characters or fewer',
    not_a_number: 'Enter a number, like 12',
    not_whole_number: 'Enter a whole number, like 12',
    below_min: 'Enter a number that is {min} or more',
    above_max: 'Enter a number that is {max} or less',
    too_long: 'Your answer must be {max} characters or fewer',
    matrix_incomplete: 'Choose an answer for every statement',
  },
  cy: {
    required: 'Atebwch y cwestiwn hwn',
    invalid_option: "Dewiswch un o'r opsiynau a roddwyd",
    exclusive_combined: '"Dim un o\'r rhain" neu opsiynau eraill, nid y ddau',
    other_missing: "Dywedwch beth yw'r ateb arall",
    other_too_long: "Rhaid i'r ateb arall fod yn {max} nod neu lai",
    not_a_number: 'Rhowch rif, fel 12',
    not_whole_number: 'Rhowch rif cyfan, fel 12',
    below_min: "Rhowch rif sy'n {min} neu fwy",
    above_max: "Rhowch rif sy'n {max} neu lai",
    too_long: "Rhaid i'ch ateb fod yn {max} nod neu lai",
    matrix_incomplete: 'Dewiswch ateb ar gyfer pob datganiad',
  },
};

export function errorMessage(lang: TLanguage, code: AnswerErrorCode, params: Record<string, string | number> = {}): string {
  return errors[lang][code].replace(PLACEHOLDER, (_, name: string) => String(params[name] ?? ''));
}

/**
 * Every respondent-facing string the service itself shows (the instrument carries its own
 * text). The Welsh is machine-assisted and awaits review by a fluent speaker. Welsh must
 * have every English key: the type below makes a missing one a compile error.
 */
const en = {
  serviceName: 'Sounding',
  skipLink: 'Skip to main content',
  errorPrefix: 'Error',
  back: 'Back',
  continue: 'Continue',
  change: 'Change',
  or: 'or',
  thereIsAProblem: 'There is a problem',
  languageNav: 'Choose a language',
  languageSwitchHidden: 'Change the language to English',
  footerLinks: 'Support links',
  accessibilityStatement: 'Accessibility statement',
  footerLicence: 'Sounding is open-source software, published under the MIT licence.',
  selectAllThatApply: 'Select all that apply',
  pleaseSpecify: 'Please specify',
  notAnswered: 'Not answered',
  sectionOf: 'Section {current} of {total}',
  onlyIfAnswered: 'Only answer this if you answered {answer} above.',
  onlyIfNotAnswered: 'Only answer this if you did not answer {answer} above.',
  saveForLater: 'Save and come back later',
  'start.minutes': 'It takes about {minutes} minutes.',
  'start.anonymousHeading': 'Your answers are anonymous',
  'start.anonymous1': "We do not ask your name, and we do not record your computer's address, your browser or the time you answer.",
  'start.anonymous2': 'Results are only shown for groups of {threshold} or more people, so nobody can work out what you said.',
  'start.anonymous3': 'You can save your answers and come back later with a code. Only you have the code.',
  'start.start': 'Start now',
  'start.continueAnswers': 'Continue your answers',
  'start.resumeLink': 'Continue with a resume code',
  'invitation.prefilled':
    'Your role group and directorate are filled in from the staff list your organisation invited you from, so that your answers are counted with your group’s. Check them and change them if they are wrong: only what you choose is kept, never your name or email address.',
  'check.title': 'Check your answers before sending them',
  'check.sendHeading': 'Now send your answers',
  'check.sendText': 'Once you send them you cannot change your answers. They are stored without your name or anything that identifies you.',
  'check.send': 'Send answers',
  'done.title': 'Answers sent',
  'done.panel': 'Thank you, your answers have been sent',
  'done.anonymous': 'Your answers are anonymous. Nobody can tell which answers are yours.',
  'done.nextHeading': 'What happens next',
  'done.nextText': 'When the survey closes, the results are shared with staff, together with what the organisation will do about them.',
  'preview.serviceName': 'Preview – answers are not stored',
  'preview.tag': 'Preview',
  'preview.banner': 'This is a preview of the survey as a respondent sees it. Your answers are not stored.',
  'preview.doneTitle': 'End of the preview',
  'preview.donePanel': 'This is where a respondent is told their answers have been sent',
  'preview.doneText': 'Nothing you entered in the preview was stored.',
  'preview.backToSurvey': 'Back to the survey',
  'preview.tooLong': 'The preview cannot carry this page’s answers to the next page: shorten the free-text answers on it',
  'saved.title': 'Your answers have been saved',
  'saved.codeLabel': 'Your resume code',
  'saved.notThisPage': 'On the page you just left, answers that were missing or not valid were not saved; the rest were. Check that page when you continue. Earlier pages are saved.',
  'saved.writeDown': 'Write this code down. To carry on, go to the survey link and choose "Continue with a resume code". The code works once.',
  'saved.kept': 'Your answers are kept for {days} days after you started.',
  'saved.cannotSend': 'We cannot send you the code: we do not know who you are.',
  'saved.continueNow': 'Continue now',
  'resume.title': 'Continue with your resume code',
  'resume.hint': 'The 8 letters and numbers you were given when you saved your answers',
  'resume.empty': 'Enter your resume code',
  'resume.noMatch': 'No unfinished answers match that code. Check it and try again',
  'resume.wait': 'Too many codes have been tried. Wait {wait}, then try again',
  'characterCount.description': 'You can enter up to %{count} characters',
  'characterCount.under': 'You have %{count} characters remaining',
  'characterCount.underOne': 'You have %{count} character remaining',
  'characterCount.at': 'You have 0 characters remaining',
  'characterCount.over': 'You have %{count} characters too many',
  'characterCount.overOne': 'You have %{count} character too many',
  'home.title': 'Surveys',
  'home.signIn': 'Sign in to see your organisation’s surveys and results',
  'home.caption': 'Survey waves and their responses',
  'home.organisation': 'Organisation',
  'home.survey': 'Survey',
  'home.state': 'State',
  'home.responses': 'Responses',
  'home.links': 'Links',
  'home.answer': 'Answer',
  'home.results': 'Results',
  'home.manage': 'Manage',
  'home.none': 'Your organisations have no surveys yet.',
  'home.withheld': 'Fewer than {threshold} or withheld',
  'home.withheldWhy': 'A number of responses is not shown while it is smaller than the survey’s smallest group, or when it could be worked out from the others.',
  'state.draft': 'draft',
  'state.open': 'open',
  'state.closed': 'closed',
  'error.notFound.title': 'Page not found',
  'error.notFound.text': 'If you typed the web address, check it is correct. If you followed a survey link, the survey may not be open yet.',
  'error.expired.title': 'Your session has expired',
  'error.expired.text': 'For your security, the page you were on has expired. Go back, refresh the page and try again. Your saved answers are kept.',
  'error.problem.title': 'Sorry, there is a problem with the service',
  'error.problem.text': 'Try again later. Answers you have already saved are safe.',
  'error.problem.reference': 'If you report this, quote the reference {reference}.',
  'error.request.title': 'There is a problem with the request',
  'error.request.detailInEnglish': 'The problem, in English:',
  'error.closed.title': 'This survey has closed',
  'error.closed.text': 'It is no longer taking answers. Thank you for your interest.',
  'error.closed.on': 'It closed on {date}.',
  'error.surveyNotFound.title': 'Survey not found',
  'error.surveyNotFound.text': 'Check the link you were given. If it is right, the survey may not be open yet.',
  'error.unavailable.title': 'Sorry, the service is unavailable',
  'error.unavailable.text': 'Sounding cannot reach its database at the moment. Try again in a few minutes.',
  'error.unavailable.safe': 'Answers you have already saved are safe. If you were sending your answers, they have either been stored in full or not at all: go back and send them again.',
  'error.invitationUsed.title': 'This link has already been used',
  'error.invitationUsed.text': 'Each invitation link works once. Sounding does not keep a record of whose link it was, so it cannot send you a new one.',
  'error.invitationUsed.continue': 'Carry on with your answers on this device',
  'error.tooMany.title': 'Too many attempts',
  'error.tooMany.text': 'Wait {wait}, then try again.',
  'error.tooMany.safe': 'Answers you have already saved are safe.',
  'paper.caption': 'Paper questionnaire',
  'paper.intro':
    'Answer each question by marking one box, unless it says to select all that apply. Skip any question that says it is not for you. Your answers are keyed in by staff and counted with the online answers; nothing on this form says who you are.',
  'closed.actionsLink': 'See the results and what the organisation is doing about them',
  'done.actionsLink': 'Where the results will be shared, with what the organisation is doing about them',
  'actions.title': 'You said, we did: {survey}',
  'actions.caption': 'Results and actions',
  'actions.intro': 'What staff told us in this survey, and what {organisation} is doing about it.',
  'actions.notPublished': 'The results of this survey have not been published yet. They are published when it closes.',
  'actions.findingsHeading': 'What you said',
  'actions.responses': '{count} people answered the survey.',
  'actions.fewResponses': 'Fewer than {threshold} people answered, so no results can be shown.',
  'actions.positive': '{percent} of {group} said “{answer}” to “{question}”.',
  'actions.indexScore': '{theme}: a score of {score} out of 100 for {group}.',
  'actions.everyone': 'everyone',
  'actions.heading': 'What we are doing',
  'actions.none': 'No actions have been recorded yet.',
  'actions.about': 'About',
  'actions.owner': 'Who is responsible',
  'actions.due': 'Due by',
  'actions.status': 'Status',
  'actions.progress': 'Progress',
  'actions.status.planned': 'Planned',
  'actions.status.in_progress': 'In progress',
  'actions.status.done': 'Done',
  'actions.status.not_doing': 'Not going ahead',
  // Invitation and reminder emails: the defaults a lead starts from (admin/invitation-messages.ts); ((name)) fields as GOV.UK Notify writes them.
  'mail.invitation.subject': 'Take part: ((survey))',
  'mail.invitation.body':
    '((organisation)) would like to hear what you think in its staff survey, ((survey)).\n\nStart here: ((link))\n\nThis link is yours and works once. As soon as you start, Sounding forgets that the link was sent to you: your answers are stored with your role group and directorate only, never with your name or email address, and no group too small to keep you anonymous is ever shown.\n\nIf you have questions about the survey, contact ((contact)).\n\nIf you did not expect this email, you can ignore it.',
  'mail.reminder.subject': 'Reminder: ((survey))',
  'mail.reminder.body':
    'This is a reminder from ((organisation)): if you have not yet taken part in ((survey)), there is still time.\n\nStart here: ((link))\n\nThis link is new and works once; the one in your first email works too. As soon as you start, Sounding forgets that the link was sent to you: your answers are stored with your role group and directorate only, never with your name or email address.\n\nIf you have questions about the survey, contact ((contact)).\n\nIf you have already taken part, thank you: you can ignore this email.',
  'mail.contactFallback': 'the team that sent you this email',
} as const;

export type MessageKey = keyof typeof en;
export const MESSAGE_KEYS = Object.keys(en) as MessageKey[];

const cy: Record<MessageKey, string> = {
  serviceName: 'Sounding',
  skipLink: "Neidio i'r prif gynnwys",
  errorPrefix: 'Gwall',
  back: 'Yn ôl',
  continue: 'Parhau',
  change: 'Newid',
  or: 'neu',
  thereIsAProblem: 'Mae problem wedi codi',
  languageNav: 'Dewiswch iaith',
  languageSwitchHidden: "Newid yr iaith i'r Gymraeg",
  footerLinks: 'Dolenni cymorth',
  accessibilityStatement: 'Datganiad hygyrchedd',
  footerLicence: "Meddalwedd cod agored yw Sounding, wedi'i chyhoeddi o dan drwydded MIT.",
  selectAllThatApply: "Dewiswch bob un sy'n berthnasol",
  pleaseSpecify: 'Nodwch',
  notAnswered: 'Heb ateb',
  sectionOf: 'Adran {current} o {total}',
  onlyIfAnswered: 'Atebwch hwn dim ond os gwnaethoch ateb {answer} uchod.',
  onlyIfNotAnswered: 'Atebwch hwn dim ond os na wnaethoch ateb {answer} uchod.',
  saveForLater: 'Cadw a dod yn ôl yn nes ymlaen',
  'start.minutes': "Mae'n cymryd tua {minutes} munud.",
  'start.anonymousHeading': 'Mae eich atebion yn ddienw',
  'start.anonymous1': "Nid ydym yn gofyn eich enw, ac nid ydym yn cofnodi cyfeiriad eich cyfrifiadur, eich porwr na'r amser rydych yn ateb.",
  'start.anonymous2': 'Dim ond ar gyfer grwpiau o {threshold} neu fwy o bobl y dangosir canlyniadau, felly ni all neb weithio allan beth ddywedoch chi.',
  'start.anonymous3': "Gallwch gadw eich atebion a dod yn ôl yn nes ymlaen gyda chod. Dim ond chi sydd â'r cod.",
  'start.start': 'Dechrau nawr',
  'start.continueAnswers': 'Parhau â’ch atebion',
  'start.resumeLink': 'Parhau gyda chod ailddechrau',
  'invitation.prefilled':
    "Mae eich grŵp rôl a'ch cyfarwyddiaeth wedi'u llenwi o'r rhestr staff y gwnaeth eich sefydliad eich gwahodd ohoni, fel bod eich atebion yn cael eu cyfrif gydag atebion eich grŵp. Gwiriwch nhw a'u newid os ydynt yn anghywir: dim ond yr hyn a ddewiswch chi a gedwir, byth eich enw na'ch cyfeiriad e-bost.",
  'check.title': 'Gwiriwch eich atebion cyn eu hanfon',
  'check.sendHeading': 'Nawr anfonwch eich atebion',
  'check.sendText': "Unwaith y byddwch yn eu hanfon, ni allwch newid eich atebion. Cânt eu cadw heb eich enw nac unrhyw beth sy'n eich adnabod.",
  'check.send': 'Anfon atebion',
  'done.title': "Atebion wedi'u hanfon",
  'done.panel': "Diolch, mae eich atebion wedi'u hanfon",
  'done.anonymous': "Mae eich atebion yn ddienw. Ni all neb ddweud pa atebion yw'ch rhai chi.",
  'done.nextHeading': 'Beth sy’n digwydd nesaf',
  'done.nextText': "Pan fydd yr arolwg yn cau, caiff y canlyniadau eu rhannu â staff, ynghyd â'r hyn y bydd y sefydliad yn ei wneud amdanynt.",
  'preview.serviceName': 'Rhagolwg – nid yw atebion yn cael eu cadw',
  'preview.tag': 'Rhagolwg',
  'preview.banner': "Dyma ragolwg o'r arolwg fel y mae ymatebwr yn ei weld. Nid yw eich atebion yn cael eu cadw.",
  'preview.doneTitle': 'Diwedd y rhagolwg',
  'preview.donePanel': "Dyma lle dywedir wrth ymatebwr fod ei atebion wedi'u hanfon",
  'preview.doneText': 'Ni chafodd dim a roesoch yn y rhagolwg ei gadw.',
  'preview.backToSurvey': "Yn ôl i'r arolwg",
  'preview.tooLong': "Ni all y rhagolwg gario atebion y dudalen hon i'r dudalen nesaf: byrhewch yr atebion testun rhydd arni",
  'saved.title': "Mae eich atebion wedi'u cadw",
  'saved.codeLabel': 'Eich cod ailddechrau',
  'saved.notThisPage':
    "Ar y dudalen y gwnaethoch ei gadael, ni chafodd atebion a oedd ar goll neu ddim yn ddilys eu cadw; cafodd y lleill eu cadw. Gwiriwch y dudalen honno pan fyddwch yn parhau. Mae tudalennau cynharach wedi'u cadw.",
  'saved.writeDown': 'Ysgrifennwch y cod hwn. I barhau, ewch i ddolen yr arolwg a dewis "Parhau gyda chod ailddechrau". Mae\'r cod yn gweithio unwaith.',
  'saved.kept': 'Caiff eich atebion eu cadw am {days} diwrnod ar ôl i chi ddechrau.',
  'saved.cannotSend': 'Ni allwn anfon y cod atoch: nid ydym yn gwybod pwy ydych chi.',
  'saved.continueNow': 'Parhau nawr',
  'resume.title': 'Parhau gyda’ch cod ailddechrau',
  'resume.hint': 'Yr 8 llythyren a rhif a gawsoch pan wnaethoch gadw eich atebion',
  'resume.empty': 'Rhowch eich cod ailddechrau',
  'resume.noMatch': "Nid oes atebion anorffenedig yn cyfateb i'r cod hwnnw. Gwiriwch ef a rhowch gynnig arall arni",
  'resume.wait': "Mae gormod o godau wedi'u rhoi cynnig arnynt. Arhoswch {wait}, yna rhowch gynnig arall arni",
  'characterCount.description': 'Gallwch roi hyd at %{count} nod',
  'characterCount.under': 'Mae gennych %{count} nod yn weddill',
  'characterCount.underOne': 'Mae gennych %{count} nod yn weddill',
  'characterCount.at': 'Mae gennych 0 nod yn weddill',
  'characterCount.over': 'Mae gennych %{count} nod yn ormod',
  'characterCount.overOne': 'Mae gennych %{count} nod yn ormod',
  'home.title': 'Arolygon',
  'home.signIn': 'Mewngofnodwch i weld arolygon a chanlyniadau eich sefydliad',
  'home.caption': "Cylchoedd arolwg a'u hymatebion",
  'home.organisation': 'Sefydliad',
  'home.survey': 'Arolwg',
  'home.state': 'Statws',
  'home.responses': 'Ymatebion',
  'home.links': 'Dolenni',
  'home.answer': 'Ateb',
  'home.results': 'Canlyniadau',
  'home.manage': 'Rheoli',
  'home.none': 'Nid oes gan eich sefydliadau arolygon eto.',
  'home.withheld': 'Llai na {threshold} neu wedi’i atal',
  'home.withheldWhy': "Ni ddangosir nifer yr ymatebion tra bydd yn llai na grŵp lleiaf yr arolwg, neu pan fyddai modd ei gyfrifo o'r lleill.",
  'state.draft': 'drafft',
  'state.open': 'ar agor',
  'state.closed': 'ar gau',
  'error.notFound.title': "Heb ddod o hyd i'r dudalen",
  'error.notFound.text': "Os gwnaethoch deipio'r cyfeiriad gwe, gwiriwch ei fod yn gywir. Os gwnaethoch ddilyn dolen arolwg, efallai nad yw'r arolwg ar agor eto.",
  'error.expired.title': 'Mae eich sesiwn wedi dod i ben',
  'error.expired.text': "Er eich diogelwch, mae'r dudalen yr oeddech arni wedi dod i ben. Ewch yn ôl, adnewyddwch y dudalen a rhowch gynnig arall arni. Mae eich atebion a gadwyd yn ddiogel.",
  'error.problem.title': "Mae'n ddrwg gennym, mae problem gyda'r gwasanaeth",
  'error.problem.text': "Rhowch gynnig arall arni yn nes ymlaen. Mae'r atebion rydych eisoes wedi'u cadw yn ddiogel.",
  'error.problem.reference': 'Os byddwch yn rhoi gwybod am hyn, dyfynnwch y cyfeirnod {reference}.',
  'error.request.title': "Mae problem gyda'r cais",
  'error.request.detailInEnglish': 'Y broblem, yn Saesneg:',
  'error.closed.title': "Mae'r arolwg hwn wedi cau",
  'error.closed.text': "Nid yw'n derbyn atebion mwyach. Diolch am eich diddordeb.",
  'error.closed.on': 'Caeodd ar {date}.',
  'error.surveyNotFound.title': "Heb ddod o hyd i'r arolwg",
  'error.surveyNotFound.text': "Gwiriwch y ddolen a gawsoch. Os yw'n gywir, efallai nad yw'r arolwg ar agor eto.",
  'error.unavailable.title': "Mae'n ddrwg gennym, nid yw'r gwasanaeth ar gael",
  'error.unavailable.text': 'Ni all Sounding gyrraedd ei gronfa ddata ar hyn o bryd. Rhowch gynnig arall arni mewn ychydig funudau.',
  'error.unavailable.safe':
    "Mae'r atebion rydych eisoes wedi'u cadw yn ddiogel. Os oeddech yn anfon eich atebion, maen nhw naill ai wedi'u cadw'n llawn neu ddim o gwbl: ewch yn ôl a'u hanfon eto.",
  'error.invitationUsed.title': "Mae'r ddolen hon eisoes wedi'i defnyddio",
  'error.invitationUsed.text': "Mae pob dolen wahoddiad yn gweithio unwaith. Nid yw Sounding yn cadw cofnod o bwy oedd biau'r ddolen, felly ni all anfon un newydd atoch.",
  'error.invitationUsed.continue': "Parhau gyda'ch atebion ar y ddyfais hon",
  'error.tooMany.title': 'Gormod o ymdrechion',
  'error.tooMany.text': 'Arhoswch {wait}, yna rhowch gynnig arall arni.',
  'error.tooMany.safe': "Mae'r atebion rydych eisoes wedi'u cadw yn ddiogel.",
  'paper.caption': 'Holiadur papur',
  'paper.intro':
    "Atebwch bob cwestiwn drwy farcio un blwch, oni bai ei fod yn dweud dewis pob un sy'n berthnasol. Hepgorwch unrhyw gwestiwn sy'n dweud nad yw ar eich cyfer chi. Caiff eich atebion eu rhoi i mewn gan staff a'u cyfrif gyda'r atebion ar-lein; nid oes dim ar y ffurflen hon yn dweud pwy ydych chi.",
  'closed.actionsLink': "Gweld y canlyniadau a'r hyn y mae'r sefydliad yn ei wneud amdanynt",
  'done.actionsLink': "Lle caiff y canlyniadau eu rhannu, gyda'r hyn y mae'r sefydliad yn ei wneud amdanynt",
  'actions.title': 'Dywedoch chi, gwnaethom ni: {survey}',
  'actions.caption': 'Canlyniadau a chamau gweithredu',
  'actions.intro': "Yr hyn a ddywedodd staff wrthym yn yr arolwg hwn, a'r hyn y mae {organisation} yn ei wneud amdano.",
  'actions.notPublished': "Nid yw canlyniadau'r arolwg hwn wedi'u cyhoeddi eto. Cânt eu cyhoeddi pan fydd yn cau.",
  'actions.findingsHeading': 'Beth ddywedoch chi',
  'actions.responses': 'Atebodd {count} o bobl yr arolwg.',
  'actions.fewResponses': 'Atebodd llai na {threshold} o bobl, felly ni ellir dangos canlyniadau.',
  'actions.positive': 'Dywedodd {percent} o {group} “{answer}” i “{question}”.',
  'actions.indexScore': '{theme}: sgôr o {score} allan o 100 ar gyfer {group}.',
  'actions.everyone': 'bawb',
  'actions.heading': "Beth rydyn ni'n ei wneud",
  'actions.none': 'Nid oes camau gweithredu wedi’u cofnodi eto.',
  'actions.about': 'Ynghylch',
  'actions.owner': 'Pwy sy’n gyfrifol',
  'actions.due': 'Erbyn',
  'actions.status': 'Statws',
  'actions.progress': 'Cynnydd',
  'actions.status.planned': 'Wedi’i gynllunio',
  'actions.status.in_progress': 'Ar waith',
  'actions.status.done': 'Wedi’i wneud',
  'actions.status.not_doing': 'Ddim yn mynd yn ei flaen',
  'mail.invitation.subject': 'Cymerwch ran: ((survey))',
  'mail.invitation.body':
    "Hoffai ((organisation)) glywed eich barn yn ei harolwg staff, ((survey)).\n\nDechreuwch yma: ((link))\n\nEich dolen chi yw hon ac mae'n gweithio unwaith. Cyn gynted ag y byddwch yn dechrau, mae Sounding yn anghofio bod y ddolen wedi'i hanfon atoch chi: caiff eich atebion eu cadw gyda'ch grŵp rôl a'ch cyfarwyddiaeth yn unig, byth gyda'ch enw na'ch cyfeiriad e-bost, ac ni ddangosir byth unrhyw grŵp sy'n rhy fach i'ch cadw'n ddienw.\n\nOs oes gennych gwestiynau am yr arolwg, cysylltwch â ((contact)).\n\nOs nad oeddech yn disgwyl yr e-bost hwn, gallwch ei anwybyddu.",
  'mail.reminder.subject': 'Nodyn atgoffa: ((survey))',
  'mail.reminder.body':
    "Nodyn atgoffa gan ((organisation)): os nad ydych wedi cymryd rhan yn ((survey)) eto, mae amser o hyd.\n\nDechreuwch yma: ((link))\n\nMae'r ddolen hon yn newydd ac mae'n gweithio unwaith; mae'r ddolen yn eich e-bost cyntaf yn gweithio hefyd. Cyn gynted ag y byddwch yn dechrau, mae Sounding yn anghofio bod y ddolen wedi'i hanfon atoch chi: caiff eich atebion eu cadw gyda'ch grŵp rôl a'ch cyfarwyddiaeth yn unig, byth gyda'ch enw na'ch cyfeiriad e-bost.\n\nOs oes gennych gwestiynau am yr arolwg, cysylltwch â ((contact)).\n\nOs ydych eisoes wedi cymryd rhan, diolch: gallwch anwybyddu'r e-bost hwn.",
  'mail.contactFallback': 'y tîm a anfonodd yr e-bost hwn atoch',
};

const service: Record<TLanguage, Record<MessageKey, string>> = { en, cy };

/** Service text as written in the catalogue, placeholders and all (for tests that fill in every one). */
export function messageTemplate(lang: TLanguage, key: MessageKey): string {
  return service[lang][key];
}

/** Service text in the given language, with {name} placeholders filled in. */
export function message(lang: TLanguage, key: MessageKey, params: Record<string, string | number> = {}): string {
  return service[lang][key].replace(PLACEHOLDER, (_, name: string) => String(params[name] ?? ''));
}

const WAIT_UNITS: Record<TLanguage, { second: [string, string]; minute: [string, string] }> = {
  // Welsh keeps the singular noun after a numeral: "15 munud".
  en: { second: ['second', 'seconds'], minute: ['minute', 'minutes'] },
  cy: { second: ['eiliad', 'eiliad'], minute: ['munud', 'munud'] },
};

/** How long to wait, as people say it: seconds under a minute, else whole minutes rounded up ("2 minutes" for 61 seconds). */
export function formatWait(seconds: number, lang: TLanguage): string {
  const [count, unit] = seconds < 60 ? [Math.max(1, Math.ceil(seconds)), WAIT_UNITS[lang].second] : [Math.ceil(seconds / 60), WAIT_UNITS[lang].minute];
  return `${count} ${unit[count === 1 ? 0 : 1]}`;
}

/** A date as GOV.UK writes it ("24 December 2026"; "24 Rhagfyr 2026" in Welsh). */
export function formatDate(date: Date, lang: TLanguage): string {
  return new Intl.DateTimeFormat(lang === 'cy' ? 'cy-GB' : 'en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/London' }).format(date);
}

/** The catalogue's invitation and reminder emails, the wording every wave starts from (admin/invitation-messages.ts). */
export const mailDefaults: MailDefaults = {
  texts: {
    invitation: {
      en: { subject: service.en['mail.invitation.subject'], body: service.en['mail.invitation.body'] },
      cy: { subject: service.cy['mail.invitation.subject'], body: service.cy['mail.invitation.body'] },
    },
    reminder: {
      en: { subject: service.en['mail.reminder.subject'], body: service.en['mail.reminder.body'] },
      cy: { subject: service.cy['mail.reminder.subject'], body: service.cy['mail.reminder.body'] },
    },
  },
  contactFallback: { en: service.en['mail.contactFallback'], cy: service.cy['mail.contactFallback'] },
  formatDate,
};
