/**
 * The small word lists the ranker needs. All entries are folded (lower case, no accents),
 * as the tokeniser produces them.
 */

function words(text: string): ReadonlySet<string> {
  return new Set(text.split(/\s+/).filter(Boolean));
}

/** Function words (English, German, French, Spanish, Portuguese, Italian): never evidence. */
export const STOP_WORDS = words(`
  a an the and or of to for in on at by with from into about as is are was were be been it its
  this that these those here there my your our his her their me you we they i he she us them
  pls please can could would will shall should do does did have has had not no yes re fw fwd
  hi hello thanks thank cheers ok okay just also some any all one
  der die das den dem des ein eine einen einem einer und oder von vom zu zum zur fur mit im in
  auf an am aus bei ist sind war hier bitte danke mal noch schon nicht kann
  le la les un une des du de d l et ou au aux en pour par sur avec dans est sont voici merci ci
  el los las unos unas del al y o para por con en es son aqui gracias lo
  o os um uma uns umas do da dos das no na nos nas e ou para por com em ao aos obrigado obrigada segue
  il lo gli di da per con su che ecco grazie
`);

/**
 * Words in file names and messages that say how a file came to be, not what it is about:
 * versions, states, copies, scans and camera or screenshot prefixes. Query side only: a
 * task title that says "draft" still means it.
 */
export const QUERY_NOISE = words(`
  final finale finalversion def definitivo definitiva definitif definitive endgultig endfassung
  draft drafts borrador entwurf brouillon rascunho bozza
  copy copia kopie copie
  scan scans scanned scanner escaneado escaneada escaneo numerise numerisee gescannt
  img image imagem imagen bild dsc dscn pxl mvimg heic
  screenshot screenshots screen shot bildschirmfoto captura capture
  whatsapp whats teams attachment attached anhang adjunto anexo piece jointe
  rev revised version ver vers edit edited new neu nuevo nouveau novo
  doc docs document documents documento dokument file files datei fichier archivo arquivo untitled
`);

/** Abbreviations people put in file names, spelled out (both sides). */
export const ABBREVIATIONS: ReadonlyMap<string, readonly string[]> = new Map(Object.entries({
  recon: ['reconciliation'],
  mktg: ['marketing'],
  mgmt: ['management'],
  rpt: ['report'],
  pres: ['presentation'],
  inv: ['invoice'],
  pr: ['press', 'release'],
  lp: ['landing', 'page'],
  av: ['audiovisual'],
  hc: ['headcount'],
  po: ['purchase', 'order'],
  sow: ['statement', 'work'],
  ic: ['intercompany'],
  fx: ['foreign', 'exchange'],
  ppt: ['presentation'],
  mtg: ['meeting'],
  wk: ['week'],
  kw: ['week'],
  cw: ['week'],
}));

/**
 * A handful of business words across languages mapped to one concept, so an English file
 * name finds a task written in the user's language and back. Kept small on purpose: each
 * entry must be a word people really put in both places.
 */
export const SYNONYMS: ReadonlyMap<string, string> = new Map(
  (
    [
      ['invoice', 'invoice factura facture rechnung fattura fatura'],
      ['contract', 'contract contrato contrat vertrag contratto'],
      ['receipt', 'receipt recibo quittung beleg recu ricevuta'],
      ['quote', 'quote quotation angebot devis cotizacion orcamento preventivo'],
      ['report', 'report informe relatorio bericht rapport'],
      ['minutes', 'minutes protokoll acta ata'],
      ['meeting', 'meeting reunion reuniao besprechung riunione'],
      ['expense', 'expense expenses spesen gastos despesas frais'],
      ['budget', 'budget presupuesto'],
      ['signed', 'signed firmado firmada signe signee unterschrieben assinado assinada'],
      ['presentation', 'presentation deck slides praesentation presentacion apresentacao'],
      ['photo', 'photo photos foto fotos picture'],
      ['insurance', 'insurance versicherung seguro assurance poliza apolice'],
      ['passport', 'passport pasaporte passeport reisepass passaporte'],
      ['tax', 'tax steuer impuesto impot imposto'],
    ] as const
  ).flatMap(([concept, list]) => list.split(' ').map((w) => [w, `~${concept}`] as const)),
);
