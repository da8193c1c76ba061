/*
 * render.h - the document libraries (cairo and pango for PDF and PNG,
 * librsvg for drawing SVG charts into them, libqrencode for check-in codes,
 * libxlsxwriter for spreadsheets), loaded when first used.
 *
 * These libraries and what they pull in (GLib, fontconfig, the X11 client
 * libraries behind cairo, libxml2 and ICU behind librsvg) are some sixty
 * shared objects. Linking them into `collective` would make every start
 * pay for loading and relocating them, though most runs (serving a page,
 * a migration, `collective spc`) never draw a document. So the program is
 * not linked against them: a file that draws includes this header after
 * the libraries' own headers, and each function it calls is then a call
 * through a table filled by dlopen()/dlsym() on first use. The compiler
 * still checks every call against the library's own prototype (the table's
 * members are declared with __typeof__ of the library's functions).
 *
 * Use: call render_ready() at the start of every public function that
 * draws, and return its error (a missing library is then a clear message,
 * not a crash). A call through the table before a successful
 * render_ready() is a programming error and aborts.
 *
 * Thread-safety: loading happens once (pthread_once); the table is
 * read-only afterwards. Nothing is ever unloaded.
 */
#ifndef COLLECTIVE_RENDER_RENDER_H
#define COLLECTIVE_RENDER_RENDER_H

#include <cairo-pdf.h>
#include <cairo.h>
#include <librsvg/rsvg.h>
#include <pango/pangocairo.h>
#include <qrencode.h>
#include <xlsxwriter.h>

#include "base/err.h"

/* Every library function the program calls: X(function). */
#define RENDER_FUNCTIONS(X)                                                                        \
	X(cairo_create)                                                                            \
	X(cairo_destroy)                                                                           \
	X(cairo_fill)                                                                              \
	X(cairo_image_surface_create)                                                              \
	X(cairo_move_to)                                                                           \
	X(cairo_paint)                                                                             \
	X(cairo_pdf_surface_create_for_stream)                                                     \
	X(cairo_rectangle)                                                                         \
	X(cairo_restore)                                                                           \
	X(cairo_save)                                                                              \
	X(cairo_set_line_width)                                                                    \
	X(cairo_set_source_rgb)                                                                    \
	X(cairo_show_page)                                                                         \
	X(cairo_status_to_string)                                                                  \
	X(cairo_stroke)                                                                            \
	X(cairo_surface_destroy)                                                                   \
	X(cairo_surface_finish)                                                                    \
	X(cairo_surface_status)                                                                    \
	X(cairo_surface_write_to_png_stream)                                                       \
	X(pango_cairo_create_layout)                                                               \
	X(pango_cairo_show_layout)                                                                 \
	X(pango_font_description_free)                                                             \
	X(pango_font_description_from_string)                                                      \
	X(pango_layout_get_pixel_size)                                                             \
	X(pango_layout_get_size)                                                                   \
	X(pango_layout_set_alignment)                                                              \
	X(pango_layout_set_ellipsize)                                                              \
	X(pango_layout_set_font_description)                                                       \
	X(pango_layout_set_height)                                                                 \
	X(pango_layout_set_text)                                                                   \
	X(pango_layout_set_width)                                                                  \
	X(pango_layout_set_wrap)                                                                   \
	X(rsvg_handle_get_intrinsic_size_in_pixels)                                                \
	X(rsvg_handle_new_from_data)                                                               \
	X(rsvg_handle_render_document)                                                             \
	X(g_object_unref)                                                                          \
	X(g_error_free)                                                                            \
	X(QRcode_encodeString8bit)                                                                 \
	X(QRcode_free)                                                                             \
	X(workbook_add_format)                                                                     \
	X(workbook_add_worksheet)                                                                  \
	X(workbook_close)                                                                          \
	X(workbook_new)                                                                            \
	X(format_set_bold)                                                                         \
	X(worksheet_autofilter)                                                                    \
	X(worksheet_freeze_panes)                                                                  \
	X(worksheet_set_column)                                                                    \
	X(worksheet_write_number)                                                                  \
	X(worksheet_write_string)                                                                  \
	X(lxw_strerror)

struct render_fns {
#define RENDER__MEMBER(f) __typeof__(&f) f;
	RENDER_FUNCTIONS(RENDER__MEMBER)
#undef RENDER__MEMBER
};

/* Loads the libraries (once). 0, or CO_EINTERNAL naming the library or
 * function that could not be loaded. Thread-safe. */
int render_ready(struct co_err *e);

/* The table; aborts when render_ready() has not succeeded. */
const struct render_fns *render__fns(void);

/* From here on a call such as cairo_create(s) goes through the table
 * (except in render.c, which fills it). */
#ifndef RENDER_NO_CALL_MACROS
#define cairo_create                        (render__fns()->cairo_create)
#define cairo_destroy                       (render__fns()->cairo_destroy)
#define cairo_fill                          (render__fns()->cairo_fill)
#define cairo_image_surface_create          (render__fns()->cairo_image_surface_create)
#define cairo_move_to                       (render__fns()->cairo_move_to)
#define cairo_paint                         (render__fns()->cairo_paint)
#define cairo_pdf_surface_create_for_stream (render__fns()->cairo_pdf_surface_create_for_stream)
#define cairo_rectangle                     (render__fns()->cairo_rectangle)
#define cairo_restore                       (render__fns()->cairo_restore)
#define cairo_save                          (render__fns()->cairo_save)
#define cairo_set_line_width                (render__fns()->cairo_set_line_width)
#define cairo_set_source_rgb                (render__fns()->cairo_set_source_rgb)
#define cairo_show_page                     (render__fns()->cairo_show_page)
#define cairo_status_to_string              (render__fns()->cairo_status_to_string)
#define cairo_stroke                        (render__fns()->cairo_stroke)
#define cairo_surface_destroy               (render__fns()->cairo_surface_destroy)
#define cairo_surface_finish                (render__fns()->cairo_surface_finish)
#define cairo_surface_status                (render__fns()->cairo_surface_status)
#define cairo_surface_write_to_png_stream   (render__fns()->cairo_surface_write_to_png_stream)
#define pango_cairo_create_layout           (render__fns()->pango_cairo_create_layout)
#define pango_cairo_show_layout             (render__fns()->pango_cairo_show_layout)
#define pango_font_description_free         (render__fns()->pango_font_description_free)
#define pango_font_description_from_string  (render__fns()->pango_font_description_from_string)
#define pango_layout_get_pixel_size         (render__fns()->pango_layout_get_pixel_size)
#define pango_layout_get_size               (render__fns()->pango_layout_get_size)
#define pango_layout_set_alignment          (render__fns()->pango_layout_set_alignment)
#define pango_layout_set_ellipsize          (render__fns()->pango_layout_set_ellipsize)
#define pango_layout_set_font_description   (render__fns()->pango_layout_set_font_description)
#define pango_layout_set_height             (render__fns()->pango_layout_set_height)
#define pango_layout_set_text               (render__fns()->pango_layout_set_text)
#define pango_layout_set_width              (render__fns()->pango_layout_set_width)
#define pango_layout_set_wrap               (render__fns()->pango_layout_set_wrap)
#define rsvg_handle_get_intrinsic_size_in_pixels                                                   \
	(render__fns()->rsvg_handle_get_intrinsic_size_in_pixels)
#define rsvg_handle_new_from_data   (render__fns()->rsvg_handle_new_from_data)
#define rsvg_handle_render_document (render__fns()->rsvg_handle_render_document)
#define g_object_unref              (render__fns()->g_object_unref)
#define g_error_free                (render__fns()->g_error_free)
#define QRcode_encodeString8bit     (render__fns()->QRcode_encodeString8bit)
#define QRcode_free                 (render__fns()->QRcode_free)
#define workbook_add_format         (render__fns()->workbook_add_format)
#define workbook_add_worksheet      (render__fns()->workbook_add_worksheet)
#define workbook_close              (render__fns()->workbook_close)
#define workbook_new                (render__fns()->workbook_new)
#define format_set_bold             (render__fns()->format_set_bold)
#define worksheet_autofilter        (render__fns()->worksheet_autofilter)
#define worksheet_freeze_panes      (render__fns()->worksheet_freeze_panes)
#define worksheet_set_column        (render__fns()->worksheet_set_column)
#define worksheet_write_number      (render__fns()->worksheet_write_number)
#define worksheet_write_string      (render__fns()->worksheet_write_string)
#define lxw_strerror                (render__fns()->lxw_strerror)
#endif

#endif
