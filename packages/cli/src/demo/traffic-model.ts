/**
 * What the demo's support desk sees and does, as plain data: customer
 * requests by decision type and language, what the model answers, how sure
 * it is, what fails, who reviews it and what customers think. Pure and
 * seeded, so every run of the demo tells the same story; the SDK calls live
 * in support-bot.ts.
 */
import { seededRandom } from '@livegrade/core';

export const LANGUAGES = ['en', 'es', 'hi', 'de', 'pt'] as const;
export type Language = (typeof LANGUAGES)[number];

const LANGUAGE_SHARE: Record<Language, number> = { en: 0.35, es: 0.2, hi: 0.2, de: 0.13, pt: 0.12 };

interface DecisionKind {
  share: number;
  /** the correct answers, with how often each is the right one */
  labels: Record<string, number>;
  /** refunds move money, so QA reviews more of them */
  reviewRate: number;
  messages: Record<Language, string[]>;
}

export const DECISION_TYPES = {
  refund: {
    share: 0.35,
    labels: { approve: 0.5, partial: 0.2, deny: 0.3 },
    reviewRate: 0.5,
    messages: {
      en: ['I want my money back for order #{order}, it arrived broken', 'Refund order #{order} please, wrong size'],
      es: ['Quiero un reembolso del pedido #{order}, llegó roto', 'Devuélvanme el dinero del pedido #{order}'],
      hi: [
        'Order #{order} ka refund chahiye, product toota hua aaya',
        'Mera paisa wapas karo, order #{order} galat aaya',
      ],
      de: [
        'Ich möchte mein Geld für Bestellung #{order} zurück',
        'Bestellung #{order} kam beschädigt an, bitte erstatten',
      ],
      pt: ['Quero reembolso do pedido #{order}, veio quebrado', 'Devolvam meu dinheiro do pedido #{order}'],
    },
  },
  change_address: {
    share: 0.25,
    labels: { update: 0.7, verify_first: 0.2, reject: 0.1 },
    reviewRate: 0.25,
    messages: {
      en: ['Please ship order #{order} to my new address', 'I moved, change the address on #{order}'],
      es: ['Cambien la dirección de envío del pedido #{order}', 'Me mudé, actualicen la dirección de #{order}'],
      hi: ['Order #{order} ka address badalna hai', 'Naya address daal do order #{order} ke liye'],
      de: ['Bitte Bestellung #{order} an meine neue Adresse senden', 'Lieferadresse für #{order} ändern'],
      pt: ['Mudem o endereço de entrega do pedido #{order}', 'Me mudei, atualizem o endereço de #{order}'],
    },
  },
  cancel_order: {
    share: 0.25,
    labels: { cancel: 0.6, offer_return: 0.3, deny: 0.1 },
    reviewRate: 0.25,
    messages: {
      en: ['Cancel order #{order}, I found it cheaper', 'I no longer need order #{order}'],
      es: ['Cancelen el pedido #{order}', 'Ya no necesito el pedido #{order}'],
      hi: ['Order #{order} cancel kar do', 'Mujhe order #{order} nahi chahiye ab'],
      de: ['Bitte Bestellung #{order} stornieren', 'Ich brauche Bestellung #{order} nicht mehr'],
      pt: ['Cancelem o pedido #{order}', 'Não preciso mais do pedido #{order}'],
    },
  },
  escalate: {
    share: 0.15,
    labels: { handoff: 0.4, keep: 0.6 },
    reviewRate: 0.25,
    messages: {
      en: ['This is the third time I write about #{order}!', 'Can I talk to a person about #{order}?'],
      es: ['¡Es la tercera vez que escribo por #{order}!', '¿Puedo hablar con una persona sobre #{order}?'],
      hi: ['Teesri baar likh raha hoon #{order} ke baare mein!', 'Kisi insaan se baat karwao, order #{order}'],
      de: ['Ich schreibe zum dritten Mal wegen #{order}!', 'Kann ich mit einem Menschen über #{order} sprechen?'],
      pt: ['É a terceira vez que escrevo sobre #{order}!', 'Posso falar com uma pessoa sobre #{order}?'],
    },
  },
} satisfies Record<string, DecisionKind>;
export type DecisionType = keyof typeof DECISION_TYPES;

export const MODEL = 'support-llm-8b';
export const HEALTHY_VERSION = 'prompt-v7';
export const BROKEN_VERSION = 'prompt-v8';

/** The slice prompt-v8 breaks: its Hindi refund instructions were mistranslated. */
export const DEGRADED = { decision_type: 'refund', language: 'hi' } as const;
export const DEGRADED_SLICE = `decision_type=${DEGRADED.decision_type},language=${DEGRADED.language}`;

export interface Review {
  /** ms after the decision; in production hours, here seconds (accelerated time) */
  afterMs: number;
  reviewerId: string;
  seniority: 'senior' | 'junior';
  label: string;
  rationale?: string;
}

/** One customer request and everything that happens to it. */
export interface SupportCase {
  type: DecisionType;
  language: Language;
  message: string;
  modelVersion: string;
  /** the answer policy requires */
  truth: string;
  /** what the model answered */
  label: string;
  /** the model's confidence, 0..1 */
  score: number;
  /** model latency in ms */
  latencyMs: number;
  inputTokens: number;
  outputTokens: number;
  /** the model call timed out: the decision is an error */
  error: boolean;
  /** the model gave up and a canned answer went out */
  fallback: boolean;
  retried: boolean;
  reviews: Review[];
  feedback: { afterMs: number; value: 'thumbs_down' | 'thumbs_up' } | null;
}

const SENIORS = ['asha.senior', 'miguel.senior', 'greta.senior', 'joao.senior', 'sam.senior'];
const JUNIORS = ['ravi.junior', 'lucia.junior', 'tom.junior'];

function pick<T>(rand: () => number, weights: Record<string, number>): T {
  let r = rand() * Object.values(weights).reduce((a, b) => a + b, 0);
  for (const [k, w] of Object.entries(weights)) {
    r -= w;
    if (r < 0) return k as T;
  }
  return Object.keys(weights).at(-1) as T;
}

function oneOf<T>(rand: () => number, list: readonly T[]): T {
  return list[Math.floor(rand() * list.length)]!;
}

/** a standard normal draw (Box–Muller) */
function normal(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

/** clamped into (0, 1), as a score must be */
function scoreAround(rand: () => number, mean: number, sd: number): number {
  return Math.round(Math.min(0.99, Math.max(0.01, mean + sd * normal(rand))) * 1000) / 1000;
}

function otherLabel(rand: () => number, labels: string[], not: string): string {
  return oneOf(
    rand,
    labels.filter((l) => l !== not),
  );
}

/**
 * The support desk's traffic. `broken` switches the model to prompt-v8,
 * which answers the DEGRADED slice at random and with less confidence;
 * every other slice behaves exactly as before.
 */
export function createTrafficModel(seed: number) {
  const rand = seededRandom(seed);
  let broken = false;
  return {
    breakModel() {
      broken = true;
    },
    get modelVersion() {
      return broken ? BROKEN_VERSION : HEALTHY_VERSION;
    },
    next(): SupportCase {
      const type = pick<DecisionType>(
        rand,
        Object.fromEntries(Object.entries(DECISION_TYPES).map(([k, v]) => [k, v.share])),
      );
      const kind: DecisionKind = DECISION_TYPES[type];
      const language = pick<Language>(rand, LANGUAGE_SHARE);
      const labels = Object.keys(kind.labels);
      const truth = pick<string>(rand, kind.labels);
      const degraded = broken && type === DEGRADED.decision_type && language === DEGRADED.language;
      const correct = rand() < (degraded ? 0.45 : 0.94);
      const label = correct ? truth : otherLabel(rand, labels, truth);
      const score = degraded
        ? scoreAround(rand, 0.5, 0.16)
        : correct
          ? scoreAround(rand, 0.84, 0.08)
          : scoreAround(rand, 0.62, 0.14);
      const message = oneOf(rand, kind.messages[language]).replace(
        '{order}',
        String(40_000 + Math.floor(rand() * 60_000)),
      );
      const failure = rand();
      const reviews: Review[] = [];
      if (rand() < kind.reviewRate) {
        const who = rand();
        const review = (seniority: 'senior' | 'junior', afterMs: number): Review => {
          const right = rand() < (seniority === 'senior' ? 0.97 : 0.88);
          const reviewed = right ? truth : otherLabel(rand, labels, truth);
          return {
            afterMs,
            reviewerId: oneOf(rand, seniority === 'senior' ? SENIORS : JUNIORS),
            seniority,
            label: reviewed,
            ...(reviewed !== label ? { rationale: `policy says ${reviewed}, not ${label}` } : {}),
          };
        };
        if (who < 0.15) reviews.push(review('junior', 1000 + rand() * 2000));
        else reviews.push(review('senior', 1000 + rand() * 2500));
        // a tenth get a second opinion: reviewer agreement is measured on those
        if (who >= 0.9) reviews.push(review('junior', 1500 + rand() * 2000));
      }
      const unhappy = rand() < (label === truth ? 0.03 : 0.35);
      const feedback = unhappy
        ? { afterMs: 500 + rand() * 1500, value: 'thumbs_down' as const }
        : rand() < 0.1
          ? { afterMs: 500 + rand() * 1500, value: 'thumbs_up' as const }
          : null;
      return {
        type,
        language,
        message,
        modelVersion: broken ? BROKEN_VERSION : HEALTHY_VERSION,
        truth,
        label,
        score,
        // log-normal, median ~350 ms, a long tail past a second
        latencyMs: Math.round(150 + Math.exp(5.3 + 0.5 * normal(rand))),
        inputTokens: 300 + Math.floor(rand() * 500),
        outputTokens: 40 + Math.floor(rand() * 120),
        error: failure < 0.01,
        fallback: failure >= 0.01 && failure < 0.03,
        retried: failure >= 0.03 && failure < 0.06,
        reviews,
        feedback,
      };
    },
  };
}

export type TrafficModel = ReturnType<typeof createTrafficModel>;
