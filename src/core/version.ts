/** The program's version, shown by `--version`, in manifests (`AppVersion`) and in reports. */
export const VERSION = "0.1.0";
/** Name shown to users. */
export const PRODUCT_NAME = "Duplicati, portable edition";
