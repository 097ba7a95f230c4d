export { profileSchema, durationSchema, DIAL_OUTCOMES, type Profile, type ProfileInput, type ProfileCheck, type LoginStep, type DialOutcome } from './schema.js';
export { loadProfile, loadProfileFile, parseProfile, profileSearchPath, BUILTIN_PROFILE_DIR } from './load.js';
export { listProfiles, type ProfileListing } from './list.js';
export { fillTemplate, templateVariables } from './template.js';
