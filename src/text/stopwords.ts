/**
 * Stop words (the most frequent function words) per language, ISO 639-3 codes as franc reports
 * them. Used by the HTML boilerplate classifier (jusText's stop-word density) and the Gopher
 * stop-word rule. Lists are short on purpose: the most frequent words carry the signal.
 */

export const STOP_WORDS: Record<string, readonly string[]> = {
  eng: 'the of and to a in is that for it as was with be by on not he i this are or his from at which but have an they you were her she there one all we their has been if more when will would who so no can its also than them what into only other some these may then do out any about could our my your should such most over very each every how where why up down just now own same both few through after before between under again further while because until against during here those did does had am being me him us how its itself off once too'.split(
    ' ',
  ),
  deu: 'der die und in den von zu das mit sich des auf für ist im dem nicht ein eine als auch es an werden aus er hat dass sie nach wird bei einer um am sind noch wie einem über einen so zum war haben nur oder aber vor zur bis mehr durch man sein wurde sei ich du wir ihr kann wenn was diese dieser'.split(
    ' ',
  ),
  fra: 'de la le et les des en un du une que est pour qui dans a par plus pas au sur ne se il ce sont avec son elle nous vous ils ou mais comme on été être cette aux leur tout sa ses je y lui fait très bien sans deux peut aussi'.split(
    ' ',
  ),
  spa: 'de la que el en y a los se del las un por con no una su para es al lo como más pero sus le ya o fue este ha sí porque esta son entre cuando muy sin sobre también me hasta hay donde quien desde todo nos durante todos uno les ni contra otros ese eso'.split(
    ' ',
  ),
  ita: 'di e il la che in a per un del non è una sono le si con da i al della lo dei come più ma nel gli anche se ha alla ci delle questo quando essere stato era sua suo loro molto tutti nella'.split(
    ' ',
  ),
  por: 'de a o que e do da em um para é com não uma os no se na por mais as dos como mas foi ao ele das tem à seu sua ou ser quando muito há nos já está eu também só pelo pela até isso ela entre era depois sem mesmo'.split(
    ' ',
  ),
  nld: 'de en van het een in is dat op te zijn met voor niet aan er die ook als bij door maar om dan of was naar uit wordt hij ze zich nog wel al kan tot over deze meer hebben wat'.split(
    ' ',
  ),
  rus: 'и в не на я что он с как а то все она так его но да ты к у же вы за бы по только ее мне было вот от меня еще нет о из ему теперь когда даже ну вдруг ли если уже или ни быть был него до вас нибудь опять уж вам ведь там потом себя ничего ей может они тут где есть надо ней для мы тебя их чем была сам чтобы без будто чего раз тоже себе под будет это'.split(
    ' ',
  ),
  pol: 'i w nie na się z do że to jest o jak a po ale za co od tak jego już by czy ich dla tym przez są jej go być był może tylko'.split(
    ' ',
  ),
  cmn: '的 了 在 是 我 有 和 就 不 人 都 一 一个 上 也 很 到 说 要 去 你 会 着 没有 看 好 自己 这 他 她 它 们 那 与 及 对 为 以 而 或 被 从'.split(
    ' ',
  ),
  jpn: 'の に は を た が で て と し れ さ ある いる も する から な こと として い や れる など なっ ない この ため その あっ よう また もの という あり まで られ なる へ か だ これ によって により おり より による ず なり られる において'.split(
    ' ',
  ),
};

/** Every stop word of every language, for language-agnostic density measures. */
export const ALL_STOP_WORDS: ReadonlySet<string> = new Set(Object.values(STOP_WORDS).flat());

export function stopWordsFor(lang: string): ReadonlySet<string> | undefined {
  const list = STOP_WORDS[lang];
  return list ? new Set(list) : undefined;
}
